"""Scheduled case conferences: plan one, run its script live in the room, post its synthesis."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _
from sqlalchemy import select

from cop.cases.queries import can_see_post, get_case
from cop.cases.services import Submission, reply
from cop.errors import Invalid, NotFound, NotPermitted
from cop.extensions import db, socketio
from cop.models import Case, Conference, ConferenceStage, Member, Post, PostKind, utcnow
from cop.rooms.services import author_json, room_name

TIMEZONES = (
    "America/Montreal",
    "America/Toronto",
    "America/Vancouver",
    "Europe/Paris",
    "Europe/Brussels",
    "Europe/Zurich",
)
DEFAULT_TIMEZONE = TIMEZONES[0]
SCRIPT = (
    ConferenceStage.PRESENTATION,
    ConferenceStage.QUESTIONS,
    ConferenceStage.RECOMMENDATIONS,
    ConferenceStage.SUMMARY,
)
ORDER = (ConferenceStage.SCHEDULED, *SCRIPT, ConferenceStage.ENDED)
# A conference is shown in the room from shortly before it starts until it ends.
SHOWN_BEFORE = timedelta(hours=1)
FORGOTTEN_AFTER = timedelta(hours=12)


def _facilitator(handle: str, creator: Member) -> Member:
    handle = (handle or "").strip().lstrip("@")
    if not handle:
        return creator
    member = db.session.scalar(select(Member).where(Member.handle == handle[:40]))
    if member is None:
        message = _("No member has the handle @%(handle)s.", handle=handle[:40])
        raise Invalid(message, {"facilitator": message})
    return member


def schedule(creator: Member, case: Case, local_time: datetime, timezone: str,
             facilitator_handle: str = "") -> Conference:
    """Plan a conference at a wall-clock time in an IANA zone; stored in UTC."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        message = _("Choose a time zone from the list.")
        raise Invalid(message, {"timezone": message}) from None
    if timezone not in TIMEZONES:
        raise Invalid(_("Choose a time zone from the list."),
                      {"timezone": _("Choose a time zone from the list.")})
    when = local_time.replace(tzinfo=zone)
    if when <= utcnow():
        message = _("Choose a date and time in the future.")
        raise Invalid(message, {"date": message})
    conference = Conference(
        case_id=case.id, scheduled_at=when, timezone=timezone, created_by_id=creator.id,
        facilitator_id=_facilitator(facilitator_handle, creator).id,
        stage=ConferenceStage.SCHEDULED.value,
    )
    db.session.add(conference)
    db.session.commit()
    return conference


def get_conference(conference_id: int, viewer: Member) -> Conference:
    conference = db.session.get(Conference, conference_id)
    if conference is None:
        raise NotFound(_("This conference does not exist, or is not visible to you."))
    get_case(conference.case_id, viewer)
    return conference


def upcoming(viewer: Member, case_id: int | None = None, limit: int = 50) -> list[Conference]:
    """Conferences not over yet, soonest first, on cases the viewer may see."""
    query = select(Conference).where(
        Conference.stage != ConferenceStage.ENDED.value,
        Conference.scheduled_at > utcnow() - FORGOTTEN_AFTER,
    )
    if case_id is not None:
        query = query.where(Conference.case_id == case_id)
    query = query.order_by(Conference.scheduled_at, Conference.id).limit(limit)
    return [c for c in db.session.scalars(query) if can_see_post(viewer, c.case.opening)]


def current(case_id: int) -> Conference | None:
    """The conference to show in a room now: running, or about to start."""
    now = utcnow()
    query = select(Conference).where(
        Conference.case_id == case_id,
        Conference.stage != ConferenceStage.ENDED.value,
        Conference.scheduled_at <= now + SHOWN_BEFORE,
        Conference.scheduled_at > now - FORGOTTEN_AFTER,
    ).order_by(Conference.started_at.is_(None), Conference.scheduled_at)
    return db.session.scalars(query).first()


def conference_json(conference: Conference | None) -> dict | None:
    if conference is None:
        return None
    return {
        "id": conference.id,
        "case_id": conference.case_id,
        "stage": conference.stage,
        "stages": [stage.value for stage in SCRIPT],
        "scheduled_at": conference.scheduled_at.isoformat(),
        "timezone": conference.timezone,
        "facilitator": author_json(conference.facilitator),
    }


def can_lead(member: Member, conference: Conference) -> bool:
    return member.id == conference.facilitator_id or member.is_moderator


def _announce(conference: Conference) -> None:
    socketio.emit("conference", conference_json(conference), to=room_name(conference.case_id))


def advance(member: Member, conference: Conference) -> Conference:
    """Move the script to its next stage (facilitator or moderator); every client follows."""
    if not can_lead(member, conference):
        raise NotPermitted(_("Only the facilitator can move the conference forward."))
    stage = ConferenceStage(conference.stage)
    if stage in (ConferenceStage.SUMMARY, ConferenceStage.ENDED):
        raise Invalid(_("Write the summary to end the conference."))
    conference.stage = ORDER[ORDER.index(stage) + 1].value
    conference.started_at = conference.started_at or utcnow()
    db.session.commit()
    _announce(conference)
    return conference


def finish(member: Member, conference: Conference, body: str,
           submission: Submission | None = None) -> Post:
    """Post the facilitator's summary to the case thread and end the conference.

    The summary is screened like any reply: `IdentifiersFound` reaches the caller unchanged.
    """
    if member.id != conference.facilitator_id:
        raise NotPermitted(_("Only the facilitator writes the summary."))
    if conference.is_over:
        raise Invalid(_("This conference is already over."))
    post = reply(member, conference.case, body, submission or Submission(),
                 kind=PostKind.CONFERENCE)
    conference.synthesis_post_id = post.id
    conference.stage = ConferenceStage.ENDED.value
    conference.started_at = conference.started_at or utcnow()
    conference.ended_at = utcnow()
    db.session.commit()
    _announce(conference)
    return post
