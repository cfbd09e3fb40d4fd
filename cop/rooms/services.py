"""Case rooms: store, replay and broadcast messages; presence, mutes and live moderation.

A message is screened, stored, committed, then broadcast: a client that re-joins with the last
id it rendered gets exactly what it missed. Only published messages are ever sent to others.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from cop.anonymise.services import Screening, screen
from cop.api.serialise import author_json
from cop.cases.queries import get_case
from cop.errors import DomainError, NotPermitted
from cop.extensions import db, socketio
from cop.models import Case, Member, PostStatus, RoomMessage, RoomMute, RoomVisit, utcnow
from cop.rendering import render_markdown
from cop.rooms import ordering, throttle, transcripts
from cop.rooms.presence import presence

MAX_MESSAGE_LENGTH = 4_000
HISTORY_LIMIT = 200  # messages sent on a first join (no `since`)
REPLAY_LIMIT = 2_000  # at most this many missed messages are replayed at once
MAX_MUTE_MINUTES = 7 * 24 * 60
STATUSES = (PostStatus.PUBLISHED, PostStatus.HIDDEN, PostStatus.DELETED)


class RoomRefused(DomainError):
    """An event the member may not make now; `reason` is a stable code for clients."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class MessageHeld(DomainError):
    """The message may identify someone: it is not stored, only its author is told."""

    status = 422

    def __init__(self, screening: Screening, body: str) -> None:
        super().__init__(_("This message may identify a person. Fix it, then send it again."))
        self.findings = screening.as_json({"body": body}) if not screening.failed else []
        self.failed = screening.failed
        self.body = body


def room_name(case_id: int) -> str:
    return f"case:{case_id}"


def message_json(message: RoomMessage) -> dict:
    return {
        "id": message.id,
        "case_id": message.case_id,
        "author": author_json(message.author),
        "html": message.body_html,
        "created_at": message.created_at.isoformat(),
    }


def visible_case(case_id: object, member: Member) -> Case:
    """The case if the member may see it (NotFound otherwise, for bad ids too)."""
    if isinstance(case_id, bool) or not isinstance(case_id, int) or not 0 < case_id < 2**62:
        raise RoomRefused("invalid", _("case_id must be a case number."))
    return get_case(case_id, member)


def history(case_id: int, since: int | None) -> list[RoomMessage]:
    """Published messages after `since`, oldest first; the latest ones on a first join."""
    query = select(RoomMessage).where(
        RoomMessage.case_id == case_id, RoomMessage.status == PostStatus.PUBLISHED.value
    )
    if since is None:
        latest = query.order_by(RoomMessage.id.desc()).limit(HISTORY_LIMIT)
        return list(reversed(db.session.scalars(latest).all()))
    query = query.where(RoomMessage.id > since).order_by(RoomMessage.id).limit(REPLAY_LIMIT)
    return list(db.session.scalars(query))


def last_message_id(case_id: int) -> int:
    query = select(func.max(RoomMessage.id)).where(RoomMessage.case_id == case_id)
    return db.session.scalar(query) or 0


def muted_until(member_id: int, case_id: int):
    """When the member's mute in this room ends, or None when they may speak."""
    return db.session.scalar(
        select(func.max(RoomMute.until)).where(
            RoomMute.case_id == case_id, RoomMute.member_id == member_id, RoomMute.until > utcnow()
        )
    )


def _check_body(body: object) -> str:
    if not isinstance(body, str) or not body.strip():
        raise RoomRefused("invalid", _("Write a message first."))
    if len(body) > MAX_MESSAGE_LENGTH:
        raise RoomRefused(
            "too_long", _("Keep messages under %(count)d characters.", count=MAX_MESSAGE_LENGTH)
        )
    if "\x00" in body:
        raise RoomRefused("invalid", _("This text contains characters that cannot be stored."))
    return body.strip()


def send_message(member: Member, case: Case, body: object) -> RoomMessage:
    """Screen, store and broadcast a message; raise MessageHeld or RoomRefused instead."""
    text = _check_body(body)
    until = muted_until(member.id, case.id)
    if until is not None:
        raise RoomRefused("muted", _("A moderator muted you in this room until %(time)s.",
                                     time=until.strftime("%H:%M UTC")))
    if not throttle.allow("message", member.id):
        raise RoomRefused("rate_limited", _("You are sending too fast. Wait a few seconds."))
    screening = screen({"body": text})
    if not screening.clean:
        raise MessageHeld(screening, text)
    html = str(render_markdown(text))
    with ordering.in_order(case.id):
        message = RoomMessage(case_id=case.id, author=member, body=text, created_at=utcnow(),
                              body_html=html)
        db.session.add(message)
        db.session.flush()  # the id: the payload is built now, while every row is still loaded
        payload = message_json(message)
        db.session.commit()
        # Nothing but the broadcast after the commit: reading `message` now would reload it
        # (and its author) from the database, since the commit expired them.
        socketio.emit("message", payload, to=room_name(case.id))
    transcripts.schedule_reindex(case.id)
    return message


def mark_seen(member_id: int, case_id: int, message_id: int | None = None) -> None:
    """Remember the last message the member saw in a room (the latest one by default)."""
    seen = last_message_id(case_id) if message_id is None else message_id
    visit = db.session.scalar(
        select(RoomVisit).where(RoomVisit.member_id == member_id, RoomVisit.case_id == case_id)
    )
    if visit is None:
        visit = RoomVisit(member_id=member_id, case_id=case_id, last_seen_id=0)
        db.session.add(visit)
    visit.last_seen_id = max(visit.last_seen_id or 0, seen)
    visit.updated_at = utcnow()
    db.session.commit()


def last_seen(member_id: int, case_id: int) -> int:
    query = select(RoomVisit.last_seen_id).where(
        RoomVisit.member_id == member_id, RoomVisit.case_id == case_id
    )
    return db.session.scalar(query) or 0


def present_members(case_id: int) -> list[dict]:
    ids = presence().member_ids(room_name(case_id))
    if not ids:
        return []
    found = db.session.scalars(select(Member).where(Member.id.in_(ids)).order_by(Member.id))
    return [author_json(member) for member in found]


def mute(moderator: Member, case: Case, member_id: int, minutes: int) -> RoomMute:
    """Silence a member in one room for `minutes` (moderators only)."""
    if not moderator.is_moderator:
        raise NotPermitted(_("Only moderators can mute members."))
    if not 0 < minutes <= MAX_MUTE_MINUTES or db.session.get(Member, member_id) is None:
        raise RoomRefused("invalid", _("Choose a member and a duration of up to a week."))
    row = RoomMute(case_id=case.id, member_id=member_id, by_id=moderator.id,
                   until=utcnow() + timedelta(minutes=minutes))
    db.session.add(row)
    db.session.commit()
    return row


def get_message(message_id: int) -> RoomMessage:
    message = db.session.get(RoomMessage, message_id)
    if message is None:
        raise RoomRefused("not_found", _("This message does not exist."))
    return message


def moderate(moderator: Member, message_id: object, status: object) -> RoomMessage:
    """A moderator hides, deletes or restores a message (checked, then applied)."""
    if not moderator.is_moderator:
        raise NotPermitted(_("Only moderators can moderate messages."))
    if isinstance(message_id, bool) or not isinstance(message_id, int) or status not in STATUSES:
        raise RoomRefused("invalid", _("Give a message id and a status."))
    return set_message_status(message_id, str(status))


def set_message_status(message_id: int, status: str) -> RoomMessage:
    """Publish, hide or delete a message; commit, then update every connected client."""
    if status not in STATUSES:
        raise ValueError(f"unknown room message status {status!r}")
    message = get_message(message_id)
    message.status = PostStatus(status).value
    db.session.commit()
    announce_updated([message.id])
    return message


def rewrite_case_messages(case_id: int, rewrite: Callable[[str], str]) -> list[int]:
    """Apply `rewrite` to every stored message of a case, re-render; flush, no commit."""
    changed = []
    messages = db.session.scalars(select(RoomMessage).where(RoomMessage.case_id == case_id))
    for message in messages:
        body = rewrite(message.body)
        if body != message.body:
            message.body = body
            message.body_html = str(render_markdown(body))
            changed.append(message.id)
    db.session.flush()
    return changed


def announce_updated(message_ids: list[int]) -> None:
    """After a commit: send new HTML of published messages, withdraw the others, re-index."""
    if not message_ids:
        return
    query = select(RoomMessage).where(RoomMessage.id.in_(message_ids))
    cases = set()
    for message in db.session.scalars(query):
        cases.add(message.case_id)
        room = room_name(message.case_id)
        if message.status == PostStatus.PUBLISHED:
            payload = {"case_id": message.case_id, "id": message.id, "html": message.body_html}
            socketio.emit("message_updated", payload, to=room)
        else:
            socketio.emit("message_deleted", {"case_id": message.case_id, "id": message.id},
                          to=room)
    for case_id in sorted(cases):
        transcripts.schedule_reindex(case_id)
