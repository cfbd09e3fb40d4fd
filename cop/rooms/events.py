"""Socket.IO handlers of the case rooms (default namespace): a second, thin view layer.

Every handler authenticates through the connection, validates its payload, authorises against
the case, calls one service, and answers a refusal with ``error {reason, event, message}`` to
the sender only. The contract is in shared/API.md.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from flask import current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, emit, join_room, leave_room, rooms

from cop.auth.services import member_for_token
from cop.errors import DomainError, NotFound, NotPermitted
from cop.extensions import db, socketio
from cop.models import Member
from cop.rooms import conferences, services, throttle
from cop.rooms.presence import local_rooms, presence
from cop.rooms.services import RoomRefused, author_json, room_name, visible_case

log = logging.getLogger(__name__)


def _connections() -> dict[str, int]:
    """Member id of each Socket.IO connection of this process."""
    return current_app.extensions.setdefault("cop_room_connections", {})


def _member() -> Member:
    member_id = _connections().get(request.sid)
    member = db.session.get(Member, member_id) if member_id else None
    if member is None:
        raise RoomRefused("unauthenticated", _("Please sign in first."))
    return member


def _refusal(error: DomainError) -> str:
    reason = getattr(error, "reason", None)
    if isinstance(reason, str):
        return reason
    if isinstance(error, NotFound):
        return "not_found"
    if isinstance(error, NotPermitted):
        return "forbidden"
    return "invalid"


def _send_error(event: str, reason: str, message: str, case_id: object = None) -> None:
    payload = {"reason": reason, "event": event, "message": message}
    if isinstance(case_id, int):
        payload["case_id"] = case_id
    emit("error", payload)


def room_event(event: str) -> Callable:
    """Register a handler taking (member, payload dict); refusals become `error` events."""

    def register(handler: Callable[[Member, dict], None]) -> Callable:
        @functools.wraps(handler)
        def run(*args: object) -> None:
            data = args[0] if len(args) == 1 else None
            case_id = data.get("case_id") if isinstance(data, dict) else None
            try:
                if not isinstance(data, dict):
                    raise RoomRefused("invalid", _("Send an object with a case_id."))
                handler(_member(), data)
            except DomainError as error:
                db.session.rollback()
                _send_error(event, _refusal(error), error.message, case_id)

        return socketio.on(event)(run)

    return register


def _joined_case(member: Member, data: dict):
    """The case of an event that needs the sender to have joined its room first."""
    case = visible_case(data.get("case_id"), member)
    if room_name(case.id) not in rooms():
        raise RoomRefused("not_joined", _("Join the room first."))
    return case


@socketio.on("connect")
def on_connect(auth: object = None) -> None:
    """A browser (login session) or a script (`auth={"token": ...}`) connects; others refused."""
    member = None
    if isinstance(auth, dict) and isinstance(auth.get("token"), str):
        member = member_for_token(auth["token"][:200])
    elif current_user.is_authenticated:
        member = current_user._get_current_object()
    if member is None:
        raise ConnectionRefusedError({"reason": "unauthenticated"})
    _connections()[request.sid] = member.id


@socketio.on("disconnect")
def on_disconnect(*_reason: object) -> None:
    """The connection closed: the member leaves every room it had joined (others notified)."""
    member_id = _connections().pop(request.sid, None)
    for room in local_rooms().pop(request.sid):
        _left(room, member_id)


def _left(room: str, member_id: int | None) -> None:
    left_id, last = presence().remove(room, request.sid)
    case_id = int(room.split(":", 1)[1])
    if member_id is not None:
        services.mark_seen(member_id, case_id)
    member = db.session.get(Member, left_id) if left_id and last else None
    if member is not None:
        socketio.emit("presence", {"case_id": case_id, "member": author_json(member),
                                   "present": False}, to=room, skip_sid=request.sid)


@room_event("join")
def on_join(member: Member, data: dict) -> None:
    """A member joins `{case_id, since}`: it gets `joined {case_id, members, history,
    last_seen_id, conference}`; others get `presence {case_id, member, present: true}`."""
    since = data.get("since")
    if since is not None and (isinstance(since, bool) or not isinstance(since, int) or since < 0):
        raise RoomRefused("invalid", _("since must be a message id or null."))
    case = visible_case(data.get("case_id"), member)
    room = room_name(case.id)
    join_room(room)
    local_rooms().add(request.sid, room)
    first = presence().add(room, request.sid, member.id)
    emit("joined", {
        "case_id": case.id,
        "members": services.present_members(case.id),
        "history": [services.message_json(m) for m in services.history(case.id, since)],
        "last_seen_id": services.last_seen(member.id, case.id),
        "conference": conferences.conference_json(conferences.current(case.id)),
    })
    services.mark_seen(member.id, case.id)
    if first:
        emit("presence", {"case_id": case.id, "member": author_json(member), "present": True},
             to=room, skip_sid=request.sid)


@room_event("message")
def on_message(member: Member, data: dict) -> None:
    """A member sends `{case_id, body}`: everyone in the room gets `message`; when the
    anonymiser finds something, only the sender gets `held {case_id, findings, body}`."""
    case = _joined_case(member, data)
    try:
        services.send_message(member, case, data.get("body"))
    except services.MessageHeld as held:
        emit("held", {"case_id": case.id, "findings": held.findings, "body": held.body,
                      "message": held.message})


@room_event("typing")
def on_typing(member: Member, data: dict) -> None:
    """A member types in `{case_id}`: the others in the room get `typing {case_id, author}`."""
    case = _joined_case(member, data)
    if not throttle.allow("typing", member.id):
        raise RoomRefused("rate_limited", _("You are sending too fast. Wait a few seconds."))
    emit("typing", {"case_id": case.id, "author": author_json(member)},
         to=room_name(case.id), skip_sid=request.sid)


@room_event("leave")
def on_leave(member: Member, data: dict) -> None:
    """A member leaves `{case_id}`: the others get `presence {case_id, member, present: false}`
    when it was the member's last connection in the room."""
    case = _joined_case(member, data)
    room = room_name(case.id)
    leave_room(room)
    local_rooms().discard(request.sid, room)
    _left(room, member.id)


@room_event("moderate")
def on_moderate(member: Member, data: dict) -> None:
    """A moderator sets `{case_id, id, status}` (published, hidden, deleted): every client of
    the room gets `message_updated {case_id, id, html}` or `message_deleted {case_id, id}`."""
    case = visible_case(data.get("case_id"), member)
    message = services.get_message(data.get("id")) if isinstance(data.get("id"), int) else None
    if message is None or message.case_id != case.id:
        raise RoomRefused("not_found", _("This message does not exist."))
    services.moderate(member, message.id, data.get("status"))


@room_event("mute")
def on_mute(member: Member, data: dict) -> None:
    """A moderator mutes `{case_id, member_id, minutes}`: the room gets `muted {case_id,
    member_id, until}`; the muted member's messages are refused with reason "muted"."""
    case = visible_case(data.get("case_id"), member)
    member_id, minutes = data.get("member_id"), data.get("minutes")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (member_id, minutes)):
        raise RoomRefused("invalid", _("Give a member and a number of minutes."))
    row = services.mute(member, case, member_id, minutes)
    socketio.emit("muted", {"case_id": case.id, "member_id": member_id,
                            "until": row.until.isoformat()}, to=room_name(case.id))


@socketio.on_error_default
def on_unexpected(error: Exception) -> None:
    """A bug, not bad input: log it, tell only the sender, keep the connection."""
    log.exception("room event failed", exc_info=error)
    db.session.rollback()
    event = (getattr(request, "event", None) or {}).get("message", "")
    _send_error(str(event), "server_error", _("Something went wrong on our side."))
