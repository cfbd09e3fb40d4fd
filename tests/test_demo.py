"""The demo community loads through the services, fully published and spread over time."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select

from cop import demo
from cop.anonymise import find_identifiers
from cop.auth.services import authenticate
from cop.extensions import db
from cop.models import Case, CaseState, Follow, Member, Post, PostKind, PostStatus, Role, utcnow
from cop.notifications.services import mentioned_handles
from cop.search import corpus
from cop.search import services as search


def _texts(data: dict) -> list[tuple[str, str]]:
    """Every demo text that goes through the detector, with where it comes from."""
    found = []
    for case in data["cases"]:
        found.append((f"{case['key']} title", case["title"]))
        found += [(f"{case['key']} {name}", text) for name, text in case["sections"].items()]
        found += [(f"{case['key']} reply", entry["body"]) for entry in case["replies"]]
        if case.get("resolution"):
            sections = case["resolution"]["sections"].items()
            found += [(f"{case['key']} synthesis {name}", text) for name, text in sections]
    return found


def test_demo_texts_pass_the_identifier_detector() -> None:
    flagged = {
        where: [(f.kind, f.text) for f in find_identifiers(text)]
        for where, text in _texts(demo.read_demo())
    }
    assert {where: found for where, found in flagged.items() if found} == {}


def test_demo_mentions_name_demo_members() -> None:
    data = demo.read_demo()
    handles = {member["handle"] for member in data["members"]}
    mentions = set().union(*(mentioned_handles(text) for _, text in _texts(data)))
    assert mentions and mentions <= handles


def test_load_demo(app: Flask) -> None:
    """One load (it indexes every post, so it is slow), then each property in turn."""
    summary = demo.load()
    _check_community(summary)
    _check_published()
    _check_resolved()
    _check_replies_and_follows()
    _check_timeline()
    _check_sign_in()


def _check_community(summary: str) -> None:
    members = list(db.session.scalars(select(Member)))
    cases = list(db.session.scalars(select(Case)))
    assert len(members) >= 10
    assert len(cases) == 12
    assert {case.language for case in cases} == {"fr", "en"}
    assert len({member.profession for member in members}) >= 4
    assert len({member.sector for member in members}) >= 3
    assert {member.locale for member in members} == {"fr", "en"}
    roles = [member.role for member in members]
    assert roles.count(Role.MODERATOR) == 1 and roles.count(Role.ADMIN) == 1
    assert all(member.email.endswith("@example.org") for member in members)
    replies = db.session.scalar(
        select(func.count(Post.id)).where(Post.kind == PostKind.REPLY)
    )
    assert summary == f"{len(members)} members, 12 cases, {replies} replies"


def _check_published() -> None:
    assert set(db.session.scalars(select(Post.status))) == {PostStatus.PUBLISHED}
    assert corpus.count() == db.session.scalar(select(func.count(Post.id)))
    assert search.search("lithium").total > 0


def _check_resolved() -> None:
    resolved = [
        case for case in db.session.scalars(select(Case))
        if case.state == CaseState.RESOLVED
    ]
    assert len(resolved) >= 5
    for case in resolved:
        assert case.synthesis is not None and case.synthesis.sections["helped"]
        assert case.resolved_by_id == case.author_id or case.resolved_by.is_moderator


def _check_replies_and_follows() -> None:
    for case in db.session.scalars(select(Case)):
        replies = [post for post in case.posts if post.kind == PostKind.REPLY]
        assert 2 <= len(replies) <= 6
        assert all(post.author_id != case.author_id for post in replies)
    repliers = select(Post.author_id).where(Post.case_id == Follow.case_id)
    silent_followers = db.session.scalar(
        select(func.count(Follow.id))
        .join(Case, Case.id == Follow.case_id)
        .where(Follow.member_id != Case.author_id, Follow.member_id.not_in(repliers))
    )
    assert silent_followers >= 3


def _check_timeline() -> None:
    now = utcnow()
    cases = list(db.session.scalars(select(Case)))
    for case in cases:
        times = [post.created_at for post in case.posts]
        assert case.created_at == case.opening.created_at
        assert times == sorted(times) and len(set(times)) == len(times)
        assert case.last_activity_at == max(times) < now
        if case.is_resolved:
            assert case.resolved_at == case.synthesis.created_at
    oldest = min(case.created_at for case in cases)
    newest = max(case.created_at for case in cases)
    assert timedelta(days=60) < now - oldest < timedelta(days=100)
    assert now - newest < timedelta(days=21)


def _check_sign_in() -> None:
    data = demo.read_demo()
    assert data["password"] == "demo-password-2026"
    for member in data["members"][:2]:
        assert authenticate(member["email"], data["password"]) is not None
