"""In-app notifications: who hears about a post, unread counts, marking as read."""

from __future__ import annotations

import re

from sqlalchemy import func, select, update

from cop.extensions import db
from cop.models import (
    Follow,
    Member,
    Notification,
    NotificationKind,
    Post,
    PostKind,
    PostStatus,
    utcnow,
)
from cop.rendering import excerpt

MENTION = re.compile(r"(?<![\w@])@([a-z0-9]{2,40})\b", re.IGNORECASE)


def mentioned_handles(text: str) -> set[str]:
    return {handle.lower() for handle in MENTION.findall(text or "")}


def notify_post(post: Post) -> None:
    """Notify followers of a published post's case, and the members it mentions.

    The replier starts following the case; nobody is notified of their own post.
    """
    if post.status != PostStatus.PUBLISHED:
        return
    case = post.case
    text = excerpt(post.body)
    follow_kind = (
        NotificationKind.RESOLVED if post.kind == PostKind.SYNTHESIS else NotificationKind.REPLY
    )
    followers = set(db.session.scalars(select(Follow.member_id).where(Follow.case_id == case.id)))
    handles = mentioned_handles(post.body)
    mentioned = set()
    if handles:
        mentioned = set(db.session.scalars(select(Member.id).where(Member.handle.in_(handles))))
    for member_id in (followers | mentioned) - {post.author_id}:
        kind = NotificationKind.MENTION if member_id in mentioned else follow_kind
        db.session.add(
            Notification(
                member_id=member_id, actor_id=post.author_id, case_id=case.id,
                post_id=post.id, kind=kind.value, excerpt=text,
            )
        )
    if post.author_id not in followers and post.kind == PostKind.REPLY:
        db.session.add(Follow(member_id=post.author_id, case_id=case.id))
    db.session.commit()


def unread_count(member: Member) -> int:
    query = select(func.count(Notification.id)).where(
        Notification.member_id == member.id, Notification.read_at.is_(None)
    )
    return db.session.scalar(query) or 0


def recent(member: Member, limit: int = 50) -> list[Notification]:
    query = (
        select(Notification)
        .where(Notification.member_id == member.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def mark_all_read(member: Member) -> None:
    db.session.execute(
        update(Notification)
        .where(Notification.member_id == member.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()


def open_notification(member: Member, notification_id: int) -> Notification | None:
    """Mark one of the member's notifications read and return it (None if not theirs)."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.member_id != member.id:
        return None
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()
    return notification
