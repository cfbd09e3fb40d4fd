"""Members, their institutions and their API tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cop.models.base import Base, utcnow


class Profession(enum.StrEnum):
    PSYCHIATRIST = "psychiatrist"
    GENERAL_PRACTITIONER = "general_practitioner"
    PSYCHOLOGIST = "psychologist"
    SOCIAL_WORKER = "social_worker"
    NURSE = "nurse"
    PSYCHOEDUCATOR = "psychoeducator"
    OCCUPATIONAL_THERAPIST = "occupational_therapist"
    COMMUNITY_WORKER = "community_worker"
    PEER_HELPER = "peer_helper"
    MANAGER = "manager"
    RESEARCHER = "researcher"
    STUDENT = "student"
    OTHER = "other"


class Sector(enum.StrEnum):
    HOSPITAL = "hospital"
    PRIMARY_CARE = "primary_care"
    MEDICO_SOCIAL = "medico_social"
    COMMUNITY = "community"
    PRIVATE_PRACTICE = "private_practice"
    RESEARCH = "research"


class Role(enum.StrEnum):
    MEMBER = "member"
    MODERATOR = "moderator"
    ADMIN = "admin"


class Institution(Base):
    """A workplace named by members; anyone may add a new one, nobody approves it."""

    __tablename__ = "institution"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    name_key: Mapped[str] = mapped_column(String(160), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Member(UserMixin, Base):
    """A person taking part: open sign-up, profession and institution shown on every post."""

    __tablename__ = "member"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(80))
    handle: Mapped[str] = mapped_column(String(40), unique=True)
    profession: Mapped[str] = mapped_column(String(40))
    sector: Mapped[str] = mapped_column(String(40))
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    bio: Mapped[str] = mapped_column(Text, default="")
    role: Mapped[str] = mapped_column(String(20), default=Role.MEMBER.value)
    locale: Mapped[str | None] = mapped_column(String(5))
    session_version: Mapped[int] = mapped_column(default=1)
    checklist_confirmed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    institution: Mapped[Institution] = relationship(lazy="joined")

    def get_id(self) -> str:
        """Bind the login session to the password: changing it logs other sessions out."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_moderator(self) -> bool:
        return self.role in (Role.MODERATOR, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


class ApiToken(Base):
    """A bearer token for the JSON API and sockets; only its SHA-256 digest is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]

    member: Mapped[Member] = relationship()
