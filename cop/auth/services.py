"""Open sign-up, authentication, profiles, passwords and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from cop.errors import Conflict, Invalid, NotFound
from cop.extensions import db
from cop.models import ApiToken, Institution, Member, Profession, Role, Sector, utcnow

MIN_PASSWORD_LENGTH = 10
_dummy_hashes: dict[str, str] = {}


def _dummy_hash() -> str:
    """A hash with the configured method, checked when the email is unknown (same cost)."""
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash("not-a-real-password", method=method)
    return _dummy_hashes[method]


@dataclass(frozen=True)
class MemberDetails:
    """What a member tells about themselves at sign-up or in their profile."""

    display_name: str
    profession: str
    institution: str
    sector: str
    bio: str = ""
    locale: str | None = None


def normalise_email(email: str) -> str:
    """Validate an address's syntax and return it in lower case (no DNS lookup)."""
    try:
        result = validate_email((email or "").strip(), check_deliverability=False)
    except EmailNotValidError:
        message = _("Enter a valid email address.")
        raise Invalid(message, {"email": message}) from None
    return result.normalized.lower()


def _hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def check_password_strength(password: str, email: str = "") -> None:
    """Refuse passwords that are short or equal to the email."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        message = _("Use at least %(count)d characters.", count=MIN_PASSWORD_LENGTH)
        raise Invalid(message, {"password": message})
    if email and password.strip().lower() == email.lower():
        message = _("The password must differ from the email address.")
        raise Invalid(message, {"password": message})


def _check_details(details: MemberDetails) -> None:
    problems = {
        name: _("This text contains characters that cannot be stored.")
        for name in ("display_name", "institution", "bio")
        if "\x00" in getattr(details, name)
    }
    if not details.display_name.strip() or len(details.display_name) > 80:
        problems["display_name"] = _("Give a name of 1 to 80 characters.")
    if details.profession not in {p.value for p in Profession}:
        problems["profession"] = _("Choose a profession from the list.")
    if details.sector not in {"", *(s.value for s in Sector)}:
        problems["sector"] = _("Choose a sector from the list.")
    if not details.institution.strip() or len(details.institution) > 160:
        problems["institution"] = _("Give an institution of 1 to 160 characters.")
    if details.locale not in (None, "", *current_app.config["LANGUAGES"]):
        problems["locale"] = _("Choose French or English.")
    if problems:
        raise Invalid(_("Some details need correcting."), problems)


def institution_key(name: str) -> str:
    """Fold case, accents and spacing so 'CLSC  des Érables' and 'clsc des erables' match."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"\s+", " ", folded).strip().lower()


def find_or_create_institution(name: str) -> Institution:
    """Return the institution of that name, creating it on first mention (no approval)."""
    clean = re.sub(r"\s+", " ", name).strip()
    key = institution_key(clean)
    existing = db.session.scalar(select(Institution).where(Institution.name_key == key))
    if existing:
        return existing
    institution = Institution(name=clean, name_key=key)
    db.session.add(institution)
    db.session.flush()
    return institution


def institution_suggestions(prefix: str = "", limit: int = 50) -> list[str]:
    """Names of institutions members already gave, for the sign-up suggestions."""
    query = select(Institution.name).order_by(Institution.name).limit(limit)
    if prefix:
        query = query.where(Institution.name_key.startswith(institution_key(prefix)))
    return list(db.session.scalars(query))


def _unique_handle(display_name: str) -> str:
    folded = unicodedata.normalize("NFKD", display_name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "", folded.lower())[:30] or "member"
    handle, counter = base, 1
    while db.session.scalar(select(Member.id).where(Member.handle == handle)):
        counter += 1
        handle = f"{base}{counter}"
    return handle


def sign_up(email: str, password: str, details: MemberDetails) -> Member:
    """Create a member who can take part at once: no approval gate."""
    email = normalise_email(email)
    check_password_strength(password, email)
    _check_details(details)
    password_hash = _hash_password(password)  # before the lookup: a taken address costs the same
    if db.session.scalar(select(Member.id).where(func.lower(Member.email) == email)):
        message = _("This address cannot be used for a new account. Already a member? Sign in.")
        raise Conflict(message, {"email": message})
    member = Member(
        email=email,
        password_hash=password_hash,
        display_name=details.display_name.strip(),
        handle=_unique_handle(details.display_name),
        profession=details.profession,
        sector=details.sector,
        institution=find_or_create_institution(details.institution),
        bio=details.bio.strip(),
        locale=details.locale or None,
        role=Role.MEMBER.value,
    )
    db.session.add(member)
    db.session.commit()
    return member


def authenticate(email: str, password: str) -> Member | None:
    """Return the member when email and password match, else None (same cost either way)."""
    key = (email or "").strip().lower()
    member = db.session.scalar(select(Member).where(func.lower(Member.email) == key))
    if member is None:
        check_password_hash(_dummy_hash(), password or "")
        return None
    if not check_password_hash(member.password_hash, password or ""):
        return None
    return member


def update_profile(member: Member, details: MemberDetails) -> Member:
    _check_details(details)
    member.display_name = details.display_name.strip()
    member.profession = details.profession
    member.sector = details.sector
    member.institution = find_or_create_institution(details.institution)
    member.bio = details.bio.strip()
    member.locale = details.locale or None
    db.session.commit()
    return member


def change_password(member: Member, current: str, new: str) -> None:
    """Change the password and end the member's other sessions."""
    if not check_password_hash(member.password_hash, current or ""):
        message = _("The current password does not match.")
        raise Invalid(message, {"current_password": message})
    check_password_strength(new, member.email)
    member.password_hash = _hash_password(new)
    member.session_version += 1
    db.session.commit()


def load_session_member(session_id: str) -> Member | None:
    """Flask-Login loader: `id:version`, so sessions end when the password changes."""
    member_id, _, version = (session_id or "").partition(":")
    if not member_id.isdigit() or not version.isdigit():
        return None
    member = db.session.get(Member, int(member_id))
    if member is None or member.session_version != int(version):
        return None
    return member


def get_member(member_id: int) -> Member:
    member = db.session.get(Member, member_id)
    if member is None:
        raise NotFound(_("No such member."))
    return member


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(member: Member) -> str:
    """Create an API token; only its digest is kept, the token is shown once."""
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(member=member, digest=_digest(token)))
    db.session.commit()
    return token


def member_for_token(token: str) -> Member | None:
    if not token:
        return None
    api_token = db.session.scalar(select(ApiToken).where(ApiToken.digest == _digest(token)))
    if api_token is None:
        return None
    api_token.last_used_at = utcnow()
    db.session.commit()
    return api_token.member


def set_role(email: str, role: Role) -> Member:
    """Give a member a role (used by `flask cop make-moderator`)."""
    member = db.session.scalar(select(Member).where(func.lower(Member.email) == email.lower()))
    if member is None:
        raise NotFound(f"no member with email {email}")
    member.role = role.value
    db.session.commit()
    return member
