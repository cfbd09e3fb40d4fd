"""Moderation queue, release/return/redact, flags, audit log, and the members' checklist."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from cop.anonymise import audit, flags, moderation, redaction
from cop.anonymise.forms import ChecklistForm, FlagForm, RedactForm, ReturnForm
from cop.anonymise.services import screen
from cop.cases.links import post_url
from cop.cases.queries import get_post
from cop.errors import Conflict, DomainError, Invalid
from cop.extensions import db, limiter, login_manager
from cop.forms import show_errors
from cop.models import Post, PostStatus, TargetType, utcnow
from cop.navigation import safe_next_url
from cop.rooms import services as rooms

bp = Blueprint("moderation", __name__)


@bp.before_request
def _moderators_only() -> Response | None:
    """Every /moderation page is for moderators; the member pages below opt out."""
    if request.path.startswith("/moderation"):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        moderation.require_moderator(current_user)
    return None


@bp.get("/moderation")
def queue() -> str:
    held = [(post, *moderation.findings_of(post)) for post in moderation.held_posts()]
    return render_template("moderation/queue.html", held=held,
                           flagged=flags.flagged_items(), return_form=ReturnForm())


@bp.post("/moderation/posts/<int:post_id>/release")
def release(post_id: int) -> Response:
    moderation.release(current_user, get_post(post_id, current_user))
    flash(_("Published."), "success")
    return redirect(url_for("moderation.queue"))


@bp.post("/moderation/posts/<int:post_id>/return")
def return_post(post_id: int) -> Response:
    form = ReturnForm()
    post = get_post(post_id, current_user)
    if form.validate_on_submit():
        try:
            moderation.return_to_author(current_user, post, form.message.data)
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("Returned to the author with your message."), "success")
    else:
        flash(_("Write a message for the author."), "error")
    return redirect(url_for("moderation.queue"))


def _redact_page(text_fields: dict[str, str], case, target_type: str, target_id: int,
                 back: str, can_release: bool) -> Response | str:
    screening = screen(text_fields)
    detected = [finding for found in screening.findings.values() for finding in found]
    form = RedactForm()
    form.findings.choices = [(str(i), f"{f.text} ({f.kind})") for i, f in enumerate(detected)]
    if request.method == "GET":
        form.findings.data = [str(i) for i in range(len(detected))]
    if form.validate_on_submit():
        chosen = {int(i) for i in form.findings.data or [] if i.isdigit()}
        spans = [redaction.Span(detected[i].text, detected[i].kind) for i in sorted(chosen)
                 if i < len(detected)]
        spans += [redaction.Span(entry.text.data, entry.kind.data) for entry in form.passages
                  if (entry.text.data or "").strip()]
        try:
            count = redaction.redact_everywhere(current_user, case, spans, target_type, target_id)
        except Invalid as error:
            show_errors(form, error)
        else:
            if can_release and form.release.data:
                moderation.release(current_user, db.session.get(Post, target_id))
            flash(_("%(count)d passage(s) redacted everywhere in the case.", count=count),
                  "success")
            return redirect(back)
    return render_template("moderation/redact.html", form=form, texts=text_fields,
                           screening=screening, case=case, can_release=can_release, back=back)


@bp.route("/moderation/posts/<int:post_id>/redact", methods=["GET", "POST"])
def redact_post(post_id: int) -> Response | str:
    post = get_post(post_id, current_user)
    texts, _screening = moderation.findings_of(post)
    back = post_url(post)
    if post.status == PostStatus.HELD:
        back = url_for("moderation.queue")
    return _redact_page(texts, post.case, TargetType.POST, post.id, back,
                        can_release=post.status == PostStatus.HELD)


@bp.route("/moderation/messages/<int:message_id>/redact", methods=["GET", "POST"])
def redact_message(message_id: int) -> Response | str:
    message = rooms.get_message(message_id)
    back = url_for("moderation.queue")
    return _redact_page({"body": message.body}, message.case, TargetType.MESSAGE, message.id,
                        back, can_release=False)


@bp.post("/moderation/flags/<target_type>/<int:target_id>")
def resolve_flags(target_type: str, target_id: int) -> Response:
    """Close an item's flags (CSRF is checked for every POST by CSRFProtect)."""
    flags.resolve_flags(current_user, target_type, target_id,
                        keep_hidden=request.form.get("decision") == "hide")
    flash(_("Flags closed."), "success")
    return redirect(url_for("moderation.queue"))


@bp.get("/moderation/audit")
def audit_log() -> str:
    page = request.args.get("page", "1")
    return render_template("moderation/audit.html",
                           pagination=audit.entries(int(page) if page.isdigit() else 1))


@bp.get("/moderation/audit.csv")
def audit_csv() -> Response:
    return Response(stream_with_context(audit.export_csv()), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=cop-audit.csv"})


@bp.route("/flag/<target_type>/<int:target_id>", methods=["GET", "POST"])
@login_required
def flag(target_type: str, target_id: int) -> Response | str:
    """Members flag a post or a room message for the moderators."""
    flags.target_case_id(current_user, target_type, target_id)
    form = FlagForm()
    back = safe_next_url(request.values.get("next"))
    if form.validate_on_submit():
        try:
            flags.flag(current_user, target_type, target_id, form.reason.data, form.comment.data)
        except (Invalid, Conflict) as error:
            show_errors(form, error)
        else:
            flash(_("Thank you: the moderators will look at it."), "success")
            return redirect(back)
    return render_template("moderation/flag.html", form=form, back=back,
                           target_type=target_type, target_id=target_id)


@bp.route("/checklist", methods=["GET", "POST"])
@login_required
def checklist() -> Response | str:
    """The de-identification checklist, confirmed once before a member's first case."""
    form = ChecklistForm()
    if form.validate_on_submit():
        current_user.checklist_confirmed_at = utcnow()
        db.session.commit()
        return redirect(safe_next_url(request.args.get("next"), "cases.new"))
    return render_template("moderation/checklist.html", form=form)


@bp.post("/check")
@login_required
@limiter.limit("60 per minute")
def check() -> Response:
    """Findings in a draft while the member types (the page's debounced check)."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise Invalid(_("Send a JSON object of texts."))
    texts = {name: value[:20_000] for name, value in list(data.items())[:10]}
    return jsonify({"findings": screen(texts).as_json(texts)})
