"""Held content and its review: release, return to the author, the queue."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from cop import publishing
from cop.anonymise import audit
from cop.anonymise.services import Screening, screen
from cop.cases.services import post_texts
from cop.errors import Invalid, NotPermitted
from cop.extensions import db
from cop.models import Member, Notification, NotificationKind, Post, PostStatus, TargetType


def require_moderator(member: Member) -> None:
    if not (member.is_authenticated and member.is_moderator):
        raise NotPermitted(_("Only moderators can do this."))


def held_posts() -> list[Post]:
    """Posts waiting for a moderator, oldest first."""
    query = select(Post).where(Post.status == PostStatus.HELD.value).order_by(Post.id)
    return list(db.session.scalars(query))


def findings_of(post: Post) -> tuple[dict[str, str], Screening]:
    """A post's texts and what the detector finds in them now (findings are never stored)."""
    texts = post_texts(post)
    return texts, screen(texts)


def _tell_author(moderator: Member, post: Post, kind: NotificationKind) -> None:
    db.session.add(Notification(member_id=post.author_id, actor_id=moderator.id,
                                case_id=post.case_id, post_id=post.id, kind=kind.value))


def release(moderator: Member, post: Post) -> Post:
    """Publish a held post as it is: it is indexed and its followers are told."""
    require_moderator(moderator)
    if post.status != PostStatus.HELD:
        raise Invalid(_("This post is not held."))
    post.status, post.moderator_note = PostStatus.PUBLISHED.value, None
    audit.record(moderator, "release", TargetType.POST, post.id, post.case_id)
    _tell_author(moderator, post, NotificationKind.RELEASED)
    db.session.commit()
    publishing.published(post)
    return post


def return_to_author(moderator: Member, post: Post, message: str) -> Post:
    """Keep the post held and ask its author to change it, with the moderator's message."""
    require_moderator(moderator)
    message = (message or "").strip()
    if not message or len(message) > 2000:
        raise Invalid(_("Write a message of 1 to 2,000 characters for the author."),
                      {"message": _("Write a message of 1 to 2,000 characters for the author.")})
    if post.status != PostStatus.HELD:
        raise Invalid(_("This post is not held."))
    post.moderator_note = message
    audit.record(moderator, "return", TargetType.POST, post.id, post.case_id)
    _tell_author(moderator, post, NotificationKind.RETURNED)
    db.session.commit()
    return post
