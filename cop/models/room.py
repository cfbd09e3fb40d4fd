"""Live case rooms: messages, what each member last saw, mutes, and scheduled conferences."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cop.models.base import Base, utcnow
from cop.models.case import Case
from cop.models.member import Member


class ConferenceStage(enum.StrEnum):
    """The script of a case conference, in order; the facilitator moves it forward."""

    SCHEDULED = "scheduled"
    PRESENTATION = "presentation"
    QUESTIONS = "questions"
    RECOMMENDATIONS = "recommendations"
    SUMMARY = "summary"
    ENDED = "ended"


class RoomMessage(Base):
    """One message of a case room; ids increase, so a room is ordered by id.

    Only screened text is stored; `status` uses the words of `PostStatus` (published, hidden,
    deleted).
    """

    __tablename__ = "room_message"
    __table_args__ = (Index("ix_room_message_case_id_id", "case_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="published")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[Member] = relationship(lazy="joined")
    case: Mapped[Case] = relationship()


class RoomVisit(Base):
    """The last message a member saw in a case room (for the "new messages" divider)."""

    __tablename__ = "room_visit"
    __table_args__ = (UniqueConstraint("member_id", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    last_seen_id: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class RoomMute(Base):
    """A member silenced in one case room until `until`, by a moderator."""

    __tablename__ = "room_mute"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    until: Mapped[datetime]
    by_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Conference(Base):
    """A scheduled case conference, held in the case's room and following a script."""

    __tablename__ = "conference"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    scheduled_at: Mapped[datetime] = mapped_column(index=True)
    timezone: Mapped[str] = mapped_column(String(64), default="America/Montreal")
    facilitator_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    stage: Mapped[str] = mapped_column(String(20), default=ConferenceStage.SCHEDULED.value)
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    synthesis_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("post.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship()
    facilitator: Mapped[Member] = relationship(foreign_keys=[facilitator_id], lazy="joined")
    created_by: Mapped[Member] = relationship(foreign_keys=[created_by_id])

    @property
    def is_over(self) -> bool:
        return self.stage == ConferenceStage.ENDED

    @property
    def is_running(self) -> bool:
        return self.stage not in (ConferenceStage.SCHEDULED, ConferenceStage.ENDED)
