"""Open membership: sign-up, login, profiles, passwords, tokens, roles."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from cop.auth import services
from cop.auth.services import MemberDetails
from cop.errors import Conflict, Invalid
from cop.extensions import db
from cop.models import ApiToken, Institution, Role

DETAILS = MemberDetails(
    display_name="Sophie Gagnon", profession="nurse", institution="CLSC des Rivières",
    sector="primary_care",
)


def test_anyone_can_sign_up_and_take_part_at_once(app):
    member = services.sign_up("Sophie@Example.org", "a long enough password", DETAILS)

    assert member.email == "sophie@example.org"
    assert member.role == Role.MEMBER
    assert member.institution.name == "CLSC des Rivières"
    assert member.handle == "sophiegagnon"
    assert services.authenticate("sophie@example.org", "a long enough password") == member


def test_passwords_are_stored_hashed(app):
    member = services.sign_up("a@example.org", "a long enough password", DETAILS)
    assert "a long enough password" not in member.password_hash
    assert member.password_hash.startswith("pbkdf2:") or member.password_hash.startswith("scrypt:")


def test_a_new_institution_needs_no_approval_and_is_matched_loosely(app):
    first = services.sign_up("a@example.org", "a long enough password", DETAILS)
    second = services.sign_up(
        "b@example.org", "a long enough password",
        MemberDetails("Marc", "psychiatrist", "clsc des rivieres ", "hospital"),
    )
    assert first.institution_id == second.institution_id
    assert services.institution_suggestions("CLSC") == ["CLSC des Rivières"]
    assert db.session.scalar(select(func.count(Institution.id))) == 1


@pytest.mark.parametrize(
    ("email", "password", "details", "field"),
    [
        ("not-an-email", "a long enough password", DETAILS, "email"),
        ("a@example.org", "short", DETAILS, "password"),
        ("a@example.org", "a@example.org", DETAILS, "password"),
        ("a@example.org", "a long enough password",
         MemberDetails("", "nurse", "CLSC", "hospital"), "display_name"),
        ("a@example.org", "a long enough password",
         MemberDetails("X", "astronaut", "CLSC", "hospital"), "profession"),
        ("a@example.org", "a long enough password",
         MemberDetails("X", "nurse", "CLSC", "space"), "sector"),
        ("a@example.org", "a long enough password",
         MemberDetails("X", "nurse", "  ", "hospital"), "institution"),
    ],
)
def test_sign_up_rejects_bad_details_field_by_field(app, email, password, details, field):
    with pytest.raises(Invalid) as error:
        services.sign_up(email, password, details)
    assert field in error.value.detail


def test_an_email_can_hold_one_account_only(app):
    services.sign_up("a@example.org", "a long enough password", DETAILS)
    with pytest.raises(Conflict):
        services.sign_up("A@example.org", "another long password", DETAILS)


def test_authenticate_refuses_wrong_password_and_unknown_email(app):
    services.sign_up("a@example.org", "a long enough password", DETAILS)
    assert services.authenticate("a@example.org", "wrong password!") is None
    assert services.authenticate("nobody@example.org", "a long enough password") is None


def test_changing_password_ends_other_sessions(app):
    member = services.sign_up("a@example.org", "a long enough password", DETAILS)
    old_session = member.get_id()
    services.change_password(member, "a long enough password", "a brand new password")

    assert services.load_session_member(old_session) is None
    assert services.load_session_member(member.get_id()) == member
    assert services.authenticate("a@example.org", "a brand new password") == member


def test_changing_password_needs_the_current_one(app):
    member = services.sign_up("a@example.org", "a long enough password", DETAILS)
    with pytest.raises(Invalid) as error:
        services.change_password(member, "not it at all", "a brand new password")
    assert "current_password" in error.value.detail


def test_api_tokens_are_stored_as_digests(app):
    member = services.sign_up("a@example.org", "a long enough password", DETAILS)
    token = services.issue_token(member)

    assert services.member_for_token(token) == member
    assert services.member_for_token(token + "x") is None
    assert services.member_for_token("") is None
    stored = db.session.scalars(select(ApiToken.digest)).all()
    assert stored and token not in stored


def test_make_moderator_gives_the_role(app):
    services.sign_up("a@example.org", "a long enough password", DETAILS)
    assert services.set_role("A@example.org", Role.MODERATOR).is_moderator
