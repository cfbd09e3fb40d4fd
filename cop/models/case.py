"""Case threads: the case, its posts (opening, replies, synthesis), revisions, tags, follows."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from cop.models.base import Base, utcnow
from cop.models.member import Member


class CaseState(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class PostKind(enum.StrEnum):
    OPENING = "case"
    REPLY = "reply"
    SYNTHESIS = "synthesis"
    CONFERENCE = "conference"


class PostStatus(enum.StrEnum):
    PUBLISHED = "published"
    HELD = "held"
    HIDDEN = "hidden"
    DELETED = "deleted"


class ConsentBasis(enum.StrEnum):
    DEIDENTIFIED = "deidentified"
    CONSENT = "consent"
    COMPOSITE = "composite"


CASE_SECTIONS = ("situation", "tried", "stuck", "question")
SYNTHESIS_SECTIONS = ("helped", "did_not_help", "open_questions")

case_tag = Table(
    "case_tag",
    Base.metadata,
    Column("case_id", ForeignKey("case.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True),
)


class Tag(Base):
    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)


class Case(Base):
    """A complex case brought to the community; its texts live in its posts."""

    __tablename__ = "case"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    title: Mapped[str] = mapped_column(String(160))
    state: Mapped[str] = mapped_column(String(20), default=CaseState.OPEN.value, index=True)
    language: Mapped[str] = mapped_column(String(2), default="fr")
    consent_basis: Mapped[str] = mapped_column(String(20))
    professions_involved: Mapped[list[str]] = mapped_column(JSON, default=list)
    sectors_involved: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    # Filled by queries that ask for it (the case list), never stored.
    reply_count: Mapped[int | None] = query_expression()

    author: Mapped[Member] = relationship(foreign_keys=[author_id], lazy="joined")
    resolved_by: Mapped[Member | None] = relationship(foreign_keys=[resolved_by_id])
    tags: Mapped[list[Tag]] = relationship(secondary=case_tag, order_by=Tag.name)
    posts: Mapped[list[Post]] = relationship(
        back_populates="case", order_by="Post.id", cascade="all, delete-orphan"
    )

    @property
    def opening(self) -> Post:
        return next(post for post in self.posts if post.kind == PostKind.OPENING)

    @property
    def synthesis(self) -> Post | None:
        return next((post for post in self.posts if post.kind == PostKind.SYNTHESIS), None)

    @property
    def is_resolved(self) -> bool:
        return self.state == CaseState.RESOLVED


class Post(Base):
    """One text of a case: the opening presentation, a reply, the synthesis or a conference."""

    __tablename__ = "post"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default=PostKind.REPLY.value)
    status: Mapped[str] = mapped_column(String(20), default=PostStatus.PUBLISHED.value, index=True)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    sections: Mapped[dict[str, str] | None] = mapped_column(JSON)
    held_reason: Mapped[str | None] = mapped_column(Text)
    moderator_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]

    case: Mapped[Case] = relationship(back_populates="posts")
    author: Mapped[Member] = relationship(lazy="joined")
    revisions: Mapped[list[PostRevision]] = relationship(
        back_populates="post", order_by="PostRevision.id", cascade="all, delete-orphan"
    )

    @property
    def is_published(self) -> bool:
        return self.status == PostStatus.PUBLISHED


class PostRevision(Base):
    """One saved version of a post (the first is the original), for the edit history."""

    __tablename__ = "post_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), index=True)
    editor_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    title: Mapped[str | None] = mapped_column(String(160))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    post: Mapped[Post] = relationship(back_populates="revisions")
    editor: Mapped[Member] = relationship()


class Follow(Base):
    __tablename__ = "follow"
    __table_args__ = (UniqueConstraint("member_id", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
