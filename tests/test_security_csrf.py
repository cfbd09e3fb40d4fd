"""CSRF: every state-changing HTML route refuses a POST without a valid token, changing nothing.

The routes come from the URL map, so a new form is covered the day it is added. The JSON API
(`/api/*`) is exempt: it authenticates with a bearer token, never with the session cookie.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import select

from cop.extensions import db
from cop.models import Follow
from tests.test_security_authz import World, make_world

# Plausible values for every field a form might read, so that only the token is missing.
FORM = {
    "title": "Un titre", "situation": "Une situation sans identifiant.", "body": "Une réponse.",
    "helped": "Le plan de crise.", "display_name": "Quelqu'un", "profession": "nurse",
    "institution": "CLSC", "sector": "primary_care", "bio": "Bio", "locale": "en",
    "email": "new@example.org", "password": "a long password 123", "confirm": "a long password 123",
    "current_password": "correct horse battery", "new_password": "another long password",
    "reason": "other", "message": "Bonjour", "note": "n", "language": "en", "next": "/",
}
BAD_TOKENS = [None, "", "forged-token", "IjEyMyI.ZmFrZQ.c2lnbmF0dXJl"]


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, to compare before and after."""
    db.session.expire_all()
    return {
        table.name: sorted(map(repr, db.session.execute(select(table)).all()))
        for table in db.metadata.sorted_tables
    }


def post_routes(app: Flask, ids: dict[str, object]) -> list[str]:
    paths = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.rule.startswith("/api/"):
            continue
        paths.append(re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids.get(m.group(1), 1)), rule.rule))
    return paths


@pytest.fixture
def world(tmp_path, postgres_schema):
    yield from make_world(tmp_path, postgres_schema)


@pytest.mark.parametrize("role", ["anonymous", "author", "moderator"])
def test_posts_without_a_valid_token_are_refused_and_change_nothing(world: World, role):
    browser = world.browser(role)
    ids = {**world.ids, "target_type": "post", "target_id": world.case.opening.id,
           "message_id": 1}
    paths = post_routes(world.app, ids)
    assert len(paths) >= 10, paths
    before = snapshot()
    wrong = []
    for path in paths:
        for token in BAD_TOKENS:
            data = dict(FORM) if token is None else {**FORM, "csrf_token": token}
            response = browser.post(path, data=data)
            if response.status_code != 400:
                wrong.append(f"POST {path} with token {token!r}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
    assert snapshot() == before


def test_a_token_from_another_session_is_refused(world: World):
    stranger = world.browser("other")
    token = stranger.csrf_token("/")
    victim = world.browser("author")
    response = victim.post(f"/cases/{world.case.id}/follow", data={"csrf_token": token})
    assert response.status_code == 400


def test_the_same_post_with_its_token_does_change_state(world: World):
    """The control: the refusals above are CSRF refusals, not a broken route."""
    browser = world.browser("moderator")
    case_url = f"/cases/{world.case.id}"
    response = browser.submit(case_url, {}, action=f"{case_url}/follow")
    assert response.status_code == 302
    follows = db.session.scalars(select(Follow).where(Follow.member_id == world.moderator.id))
    assert [follow.case_id for follow in follows] == [world.case.id]
