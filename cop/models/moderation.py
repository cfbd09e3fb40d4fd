"""Flags raised by members and the moderators' audit trail (which never stores text)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cop.models.base import Base, utcnow
from cop.models.member import Member


class FlagReason(enum.StrEnum):
    IDENTIFIERS = "identifiers"
    DISRESPECTFUL = "disrespectful"
    OTHER = "other"


class TargetType(enum.StrEnum):
    POST = "post"
    MESSAGE = "message"
    REVISION = "revision"


class Flag(Base):
    """A member's report on a post or room message; open until a moderator acts."""

    __tablename__ = "flag"
    __table_args__ = (UniqueConstraint("target_type", "target_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int] = mapped_column(index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))

    member: Mapped[Member] = relationship(foreign_keys=[member_id], lazy="joined")


class AuditEntry(Base):
    """Who did what to which item, when, with which kinds and how many spans — never the text."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    moderator_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    action: Mapped[str] = mapped_column(String(30))
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int]
    case_id: Mapped[int | None] = mapped_column(index=True)
    kinds: Mapped[str] = mapped_column(String(200), default="")
    span_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    moderator: Mapped[Member] = relationship(lazy="joined")
