"""Every table of cop; importing this package registers them all on the metadata."""

from cop.models.base import Base, utcnow
from cop.models.case import (
    CASE_SECTIONS,
    SYNTHESIS_SECTIONS,
    Case,
    CaseState,
    ConsentBasis,
    Follow,
    Post,
    PostKind,
    PostRevision,
    PostStatus,
    Tag,
    case_tag,
)
from cop.models.member import ApiToken, Institution, Member, Profession, Role, Sector
from cop.models.moderation import AuditEntry, Flag, FlagReason, TargetType
from cop.models.notification import Notification, NotificationKind
from cop.models.room import Conference, ConferenceStage, RoomMessage, RoomMute, RoomVisit

__all__ = [
    "CASE_SECTIONS",
    "SYNTHESIS_SECTIONS",
    "ApiToken",
    "AuditEntry",
    "Base",
    "Case",
    "CaseState",
    "ConsentBasis",
    "Flag",
    "FlagReason",
    "Follow",
    "Institution",
    "Member",
    "Notification",
    "NotificationKind",
    "Post",
    "PostKind",
    "PostRevision",
    "PostStatus",
    "Profession",
    "Role",
    "Sector",
    "Tag",
    "TargetType",
    "case_tag",
    "Conference",
    "ConferenceStage",
    "RoomMessage",
    "RoomMute",
    "RoomVisit",
    "utcnow",
]
