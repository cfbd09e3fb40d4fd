"""Members flag posts and room messages; enough distinct flags hide the item for review."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from cop import publishing
from cop.anonymise import audit
from cop.anonymise.moderation import require_moderator
from cop.cases.queries import can_see_post, get_post
from cop.errors import Conflict, Invalid, NotFound
from cop.extensions import db
from cop.models import Flag, FlagReason, Member, Post, PostStatus, TargetType, utcnow
from cop.rooms import services as rooms


@dataclass
class FlaggedItem:
    """An item with open flags, as the moderation queue shows it."""

    target_type: str
    target_id: int
    case_id: int
    flags: list[Flag] = field(default_factory=list)


def target_case_id(member: Member, target_type: str, target_id: int) -> int:
    """The case of an item the member may see; NotFound otherwise."""
    if target_type == TargetType.POST:
        return get_post(target_id, member).case_id
    if target_type == TargetType.MESSAGE:
        message = rooms.get_message(target_id)
        post = message.case.opening
        if message.status != PostStatus.PUBLISHED or not can_see_post(member, post):
            raise NotFound(_("This message does not exist, or is not visible to you."))
        return message.case_id
    raise NotFound(_("Only posts and room messages can be flagged."))


def _open_flags(target_type: str, target_id: int):
    return select(Flag).where(Flag.target_type == target_type, Flag.target_id == target_id,
                              Flag.resolved_at.is_(None))


def _set_status(target_type: str, target_id: int, status: PostStatus) -> None:
    if target_type == TargetType.POST:
        post = db.session.get(Post, target_id)
        post.status = status.value
        db.session.commit()
        if status == PostStatus.PUBLISHED:
            publishing.published(post, notify=False)
        else:
            publishing.withdrawn(post)
    else:
        rooms.set_message_status(target_id, status.value)


def flag(member: Member, target_type: str, target_id: int, reason: str, comment: str = "") -> Flag:
    """Record a member's flag; at the threshold of distinct members, hide the item."""
    if reason not in {r.value for r in FlagReason}:
        raise Invalid(_("Choose a reason."), {"reason": _("Choose a reason.")})
    comment = (comment or "").strip()
    if reason == FlagReason.OTHER and not comment or len(comment) > 1000:
        message = _("Say in a few words what is wrong (at most 1,000 characters).")
        raise Invalid(message, {"comment": message})
    case_id = target_case_id(member, target_type, target_id)
    mine = select(Flag.id).where(Flag.target_type == target_type, Flag.target_id == target_id,
                                 Flag.member_id == member.id)
    if db.session.scalar(mine):
        raise Conflict(_("You have already flagged this."))
    new_flag = Flag(target_type=target_type, target_id=target_id, case_id=case_id,
                    member_id=member.id, reason=reason, comment=comment)
    db.session.add(new_flag)
    db.session.commit()
    count = db.session.scalar(select(func.count()).select_from(
        _open_flags(target_type, target_id).subquery()))
    if count >= current_app.config["FLAGS_TO_HIDE"]:
        _set_status(target_type, target_id, PostStatus.HIDDEN)
    return new_flag


def flagged_items() -> list[FlaggedItem]:
    """Items with open flags, most flagged first."""
    items: dict[tuple[str, int], FlaggedItem] = {}
    for open_flag in db.session.scalars(
        select(Flag).where(Flag.resolved_at.is_(None)).order_by(Flag.id)
    ):
        key = (open_flag.target_type, open_flag.target_id)
        item = items.setdefault(key, FlaggedItem(*key, case_id=open_flag.case_id))
        item.flags.append(open_flag)
    return sorted(items.values(), key=lambda item: -len(item.flags))


def resolve_flags(moderator: Member, target_type: str, target_id: int, keep_hidden: bool) -> None:
    """Close an item's flags: show it again, or keep it hidden (removed from view)."""
    require_moderator(moderator)
    flags = list(db.session.scalars(_open_flags(target_type, target_id)))
    if not flags:
        raise NotFound(_("No open flag on this item."))
    for open_flag in flags:
        open_flag.resolved_at, open_flag.resolved_by_id = utcnow(), moderator.id
    action = "hide" if keep_hidden else "dismiss_flags"
    audit.record(moderator, action, target_type, target_id, flags[0].case_id)
    db.session.commit()
    _set_status(target_type, target_id,
                PostStatus.HIDDEN if keep_hidden else PostStatus.PUBLISHED)
