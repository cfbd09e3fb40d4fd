"""In-app notifications: replies to followed cases, mentions, resolutions."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cop.models.base import Base, utcnow
from cop.models.case import Case
from cop.models.member import Member


class NotificationKind(enum.StrEnum):
    REPLY = "reply"
    MENTION = "mention"
    RESOLVED = "resolved"
    RETURNED = "returned"
    RELEASED = "released"


class Notification(Base):
    """A note for one member; `excerpt` copies published text, so redaction rewrites it."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    excerpt: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    actor: Mapped[Member] = relationship(foreign_keys=[actor_id], lazy="joined")
    case: Mapped[Case] = relationship()
