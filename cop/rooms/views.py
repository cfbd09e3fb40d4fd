"""The room page of a case, the conference pages, and the case page's room panel."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from cop.anonymise.services import IdentifiersFound, apply_suggestions
from cop.cases import queries
from cop.cases.forms import ActionForm
from cop.cases.links import post_url
from cop.errors import DomainError
from cop.forms import show_errors
from cop.models import Case, Conference
from cop.rooms import conferences, services, transcripts
from cop.rooms.forms import ConferenceForm, SummaryForm

bp = Blueprint("rooms", __name__)


@bp.app_template_global()
def room_panel(case: Case) -> dict:
    """What the case page shows of its room: link, upcoming conferences, transcripts."""
    return {
        "room_url": url_for("rooms.room", case_id=case.id),
        "conferences": conferences.upcoming(current_user, case_id=case.id),
        "days": transcripts.transcript_days(case),
        "schedule_url": url_for("rooms.schedule", case_id=case.id),
    }


@bp.app_template_global()
def conference_wall_clock(conference: Conference) -> str:
    """The conference time as its organiser set it, in its own time zone."""
    local = conference.scheduled_at.astimezone(ZoneInfo(conference.timezone))
    return f"{local:%Y-%m-%d %H:%M} ({conference.timezone.replace('_', ' ')})"


@bp.get("/cases/<int:case_id>/room")
@login_required
def room(case_id: int) -> str:
    case = queries.get_case(case_id, current_user)
    conference = conferences.current(case.id)
    return render_template(
        "rooms/room.html",
        case=case,
        last_seen_id=services.last_seen(current_user.id, case.id),
        conference=conference,
        can_lead=conference is not None and conferences.can_lead(current_user, conference),
        action_form=ActionForm(),
        stage_labels=stage_labels(),
    )


def stage_labels() -> dict[str, str]:
    return {
        "scheduled": _("Not started"),
        "presentation": _("Presentation of the case"),
        "questions": _("Clarifying questions"),
        "recommendations": _("Recommendations"),
        "summary": _("Summary"),
        "ended": _("Ended"),
    }


@bp.get("/conferences")
@login_required
def index() -> str:
    return render_template("rooms/conferences.html", conferences=conferences.upcoming(current_user),
                           stage_labels=stage_labels())


@bp.route("/cases/<int:case_id>/conferences/new", methods=["GET", "POST"])
@login_required
def schedule(case_id: int) -> Response | str:
    case = queries.get_case(case_id, current_user)
    form = ConferenceForm()
    if form.validate_on_submit():
        try:
            conferences.schedule(current_user, case, form.local_time(), form.timezone.data,
                                 form.facilitator.data or "")
        except DomainError as error:
            show_errors(form, error)
        else:
            flash(_("The conference is scheduled."), "success")
            return redirect(url_for("cases.show", case_id=case.id))
    return render_template("rooms/schedule.html", case=case, form=form)


@bp.post("/conferences/<int:conference_id>/advance")
@login_required
def advance(conference_id: int) -> Response:
    conference = conferences.get_conference(conference_id, current_user)
    if ActionForm().validate_on_submit():
        conferences.advance(current_user, conference)
    return redirect(url_for("rooms.room", case_id=conference.case_id))


@bp.route("/conferences/<int:conference_id>/summary", methods=["GET", "POST"])
@login_required
def summary(conference_id: int) -> Response | str:
    conference = conferences.get_conference(conference_id, current_user)
    form = SummaryForm()
    found = None
    if form.validate_on_submit():
        if form.apply_suggestions.data:
            form.replace_texts(apply_suggestions(form.text_values()))
            flash(_("Suggestions applied. Read the text again, then submit."), "info")
        else:
            try:
                post = conferences.finish(current_user, conference, form.body.data,
                                          form.submission())
            except IdentifiersFound as error:
                found = error
            except DomainError as error:
                show_errors(form, error)
            else:
                if not post.is_published:
                    flash(_("The synthesis is held until a moderator reviews it."), "warning")
                return redirect(post_url(post))
    elif request.method == "GET" and not conferences.can_lead(current_user, conference):
        flash(_("Only the facilitator writes the summary."), "info")
    return render_template("rooms/summary.html", conference=conference, form=form, found=found)
