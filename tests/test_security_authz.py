"""Who may do what: every route of the URL map × {anonymous, author, another member, moderator}.

The table below is the specification. A route added to the app without a row here fails
`test_every_route_has_an_expectation`, so nobody can forget to decide who may use it.
Each cell is the status code of one request made with a valid CSRF token (HTML) or bearer
token (API) and an empty body: 200/201 (allowed), 302 (redirect: to the login page for
visitors, or onwards after the action), 400 (allowed, but the empty body is refused),
401/403/404 (refused).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from cop.anonymise.services import OnFindings
from cop.auth.services import issue_token
from cop.cases.services import CaseDraft, Submission, open_case
from cop.extensions import db
from cop.models import Notification, Role, RoomMessage
from tests.conftest import Browser, fresh_app
from tests.factories import MemberFactory, make_case, make_reply

ROLES = ("anonymous", "author", "other", "moderator")
LOGIN = 302  # anonymous visitors of a members-only page are sent to the login page

# endpoint -> method -> statuses for (anonymous, author, other, moderator).
# "author" owns the case, its opening post and the notification in the URL.
EXPECTED: dict[str, dict[str, tuple[int, int, int, int]]] = {
    "auth.signup": {"GET": (200, 302, 302, 302), "POST": (200, 302, 302, 302)},
    "auth.login": {"GET": (200, 302, 302, 302), "POST": (200, 302, 302, 302)},
    "auth.logout": {"POST": (LOGIN, 302, 302, 302)},
    "auth.profile": {"GET": (LOGIN, 200, 200, 200)},
    "auth.edit_profile": {"GET": (LOGIN, 200, 200, 200), "POST": (LOGIN, 200, 200, 200)},
    "auth.change_password": {"GET": (LOGIN, 200, 200, 200), "POST": (LOGIN, 200, 200, 200)},
    "cases.index": {"GET": (200, 200, 200, 200)},
    "cases.new": {"GET": (LOGIN, 200, 200, 200), "POST": (LOGIN, 200, 200, 200)},
    "cases.show": {"GET": (LOGIN, 200, 200, 200)},
    "cases.reply": {"POST": (LOGIN, 200, 200, 200)},
    "cases.edit": {"GET": (LOGIN, 200, 403, 403), "POST": (LOGIN, 200, 403, 403)},
    "cases.history": {"GET": (LOGIN, 200, 200, 200)},
    "cases.resolve": {"GET": (LOGIN, 200, 403, 200), "POST": (LOGIN, 200, 403, 200)},
    "cases.reopen": {"POST": (LOGIN, 302, 403, 302)},
    "cases.follow": {"POST": (LOGIN, 302, 302, 302)},
    "notifications.index": {"GET": (LOGIN, 200, 200, 200)},
    "notifications.open_one": {"POST": (LOGIN, 302, 404, 404)},
    "notifications.read_all": {"POST": (LOGIN, 302, 302, 302)},
    "i18n.switch_language": {"POST": (302, 302, 302, 302)},
    "api.create_member": {"POST": (400, 400, 400, 400)},
    "api.create_token": {"POST": (400, 400, 400, 400)},
    "api.anonymise": {"POST": (200, 200, 200, 200)},
    "api.create_case": {"POST": (401, 400, 400, 400)},
    "api.get_case": {"GET": (401, 200, 200, 200)},
    "api.create_post": {"POST": (401, 400, 400, 400)},
    "api.search_posts": {"GET": (401, 200, 200, 200)},
    # Moderation (anonymise/views.py): visitors go to the login page, members are refused.
    # The post in the URL is published, so "release" is refused as not held (400). Message 999
    # does not exist (400); real room messages are in ROOM_MESSAGE_EXPECTED below.
    "moderation.queue": {"GET": (LOGIN, 403, 403, 200)},
    "moderation.release": {"POST": (LOGIN, 403, 403, 400)},
    "moderation.return_post": {"POST": (LOGIN, 403, 403, 302)},
    "moderation.redact_post": {"GET": (LOGIN, 403, 403, 200), "POST": (LOGIN, 403, 403, 200)},
    "moderation.redact_message": {"GET": (LOGIN, 403, 403, 400), "POST": (LOGIN, 403, 403, 400)},
    "moderation.resolve_flags": {"POST": (LOGIN, 403, 403, 404)},
    "moderation.audit_log": {"GET": (LOGIN, 403, 403, 200)},
    "moderation.audit_csv": {"GET": (LOGIN, 403, 403, 200)},
    "moderation.flag": {"GET": (LOGIN, 200, 200, 200), "POST": (LOGIN, 200, 200, 200)},
    "moderation.checklist": {"GET": (LOGIN, 200, 200, 200), "POST": (LOGIN, 200, 200, 200)},
    "moderation.check": {"POST": (LOGIN, 400, 400, 400)},
    # Rooms: the world has no room message or conference yet (ids 999): members get 404.
    "rooms.room": {"GET": (LOGIN, 200, 200, 200)},
    "rooms.index": {"GET": (LOGIN, 200, 200, 200)},
    "rooms.schedule": {"GET": (LOGIN, 200, 200, 200), "POST": (LOGIN, 200, 200, 200)},
    "rooms.advance": {"POST": (LOGIN, 404, 404, 404)},
    "rooms.summary": {"GET": (LOGIN, 404, 404, 404), "POST": (LOGIN, 404, 404, 404)},
    "search.page": {"GET": (LOGIN, 200, 200, 200)},
}

# Held content is the author's and the moderators' only, on every path that shows it.
HELD_EXPECTED: dict[str, tuple[int, int, int, int]] = {
    "GET /cases/{held_case}": (LOGIN, 200, 404, 200),
    "GET /posts/{held_post}/history": (LOGIN, 200, 404, 200),
    "GET /posts/{held_post}/edit": (LOGIN, 200, 404, 403),
    "POST /cases/{held_case}/replies": (LOGIN, 200, 404, 200),
    "POST /cases/{held_case}/follow": (LOGIN, 302, 404, 302),
    "GET /api/v1/cases/{held_case}": (401, 200, 404, 200),
    "POST /api/v1/cases/{held_case}/posts": (401, 400, 404, 400),
}

# Room messages: one in the author's case, one in the held case; the author wrote both.
# Redacting a message is for moderators; any member who can see a message may flag it (an
# empty POST re-shows the form: 200).
ROOM_REDACT_EXPECTED: dict[str, tuple[int, int, int, int]] = {
    "GET /moderation/messages/{room_message}/redact": (LOGIN, 403, 403, 200),
    "POST /moderation/messages/{room_message}/redact": (LOGIN, 403, 403, 200),
    "GET /moderation/messages/{held_message}/redact": (LOGIN, 403, 403, 200),
}
ROOM_FLAG_EXPECTED: dict[str, tuple[int, int, int, int]] = {
    "GET /flag/message/{room_message}": (LOGIN, 200, 200, 200),
    "POST /flag/message/{room_message}": (LOGIN, 200, 200, 200),
    "GET /flag/message/{held_message}": (LOGIN, 200, 404, 200),
}

IDENTIFYING = "Mme Josée Tremblay, joignable au 514-555-0199, refuse son traitement."


class World:
    """An author's case with a reply from another member, a held case, and four visitors."""

    def __init__(self, app: Flask) -> None:
        members = MemberFactory()
        self.app = app
        self.author = members.create(institution="CLSC des Rivières")
        self.other = members.create(institution="Hôpital du Nord")
        self.moderator = members.create(role=Role.MODERATOR)
        self.case = make_case(self.author)
        make_reply(self.other, self.case)
        self.held_case = open_case(
            self.author,
            CaseDraft(title="Un refus", sections={"situation": IDENTIFYING}),
            Submission(OnFindings.HOLD, "The author insists."),
        )
        assert not self.held_case.opening.is_published
        self.notification = db.session.scalar(
            select(Notification).where(Notification.member_id == self.author.id)
        )
        assert self.notification is not None, "the author should be notified of the reply"
        self.room_messages = {}
        for key, case in (("room_message", self.case), ("held_message", self.held_case)):
            message = RoomMessage(case_id=case.id, author=self.author, body="Bonjour à tous.",
                                  body_html="<p>Bonjour à tous.</p>")
            db.session.add(message)
            db.session.commit()
            self.room_messages[key] = message.id
        self.ids = {
            "case_id": self.case.id,
            "post_id": self.case.opening.id,
            "member_id": self.author.id,
            "notification_id": self.notification.id,
            "code": "en",
            "held_case": self.held_case.id,
            "held_post": self.held_case.opening.id,
            "target_type": "post",
            "target_id": self.case.opening.id,
            "message_id": 999,
            "conference_id": 999,
            **self.room_messages,
        }
        self.tokens = {
            "author": issue_token(self.author),
            "other": issue_token(self.other),
            "moderator": issue_token(self.moderator),
        }
        self.emails = {
            "author": self.author.email,
            "other": self.other.email,
            "moderator": self.moderator.email,
        }

    def browser(self, role: str) -> Browser:
        """A fresh browser, signed in as `role` unless anonymous."""
        browser = Browser(self.app.test_client())
        if role != "anonymous":
            browser.login(self.emails[role])
        return browser

    def request(self, role: str, method: str, path: str) -> int:
        """One request as `role` from a fresh browser, with a valid CSRF token or API token."""
        browser = self.browser(role)
        if path.startswith("/api/"):
            headers = {}
            if role != "anonymous":
                headers["Authorization"] = f"Bearer {self.tokens[role]}"
            response = browser.client.open(path, method=method, json={}, headers=headers)
        elif method == "POST":
            token = browser.csrf_token("/")
            response = browser.post(path, data={"csrf_token": token})
        else:
            response = browser.get(path)
        return response.status_code

    def outcome(self, role: str, method: str, path: str) -> int | str:
        """The status, or the exception a request raised (the tests propagate app errors)."""
        try:
            return self.request(role, method, path)
        except Exception as error:  # reported as the cell's outcome
            return f"{type(error).__name__}: {error}"


def make_world(tmp_path, postgres_schema) -> Iterator[World]:
    """A fresh app (CSRF on, rate limits off) and its World, torn down afterwards."""
    with fresh_app(tmp_path, postgres_schema, RATELIMIT_ENABLED=False) as app:
        yield World(app)


@pytest.fixture
def world(tmp_path, postgres_schema):
    yield from make_world(tmp_path, postgres_schema)


def concrete_path(rule: str, ids: dict[str, object]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in ids, f"no test value for URL parameter <{name}> in {rule}"
        return str(ids[name])

    return re.sub(r"<(?:\w+:)?(\w+)>", value, rule)


def routes(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, rule) for every route but static files."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, rule.rule))
    return found


def test_every_route_has_an_expectation(world):
    missing = [f"{method} {rule} ({endpoint})" for endpoint, method, rule in routes(world.app)
               if method not in EXPECTED.get(endpoint, {})]
    assert not missing, "add these routes to EXPECTED in this file:\n" + "\n".join(missing)
    known = {(endpoint, method) for endpoint, method, _ in routes(world.app)}
    # Rows of a blueprint that is not registered (yet) are not stale: features land apart.
    stale = [f"{method} {endpoint}" for endpoint, methods in EXPECTED.items()
             for method in methods if (endpoint, method) not in known
             and endpoint.split(".")[0] in world.app.blueprints]
    assert not stale, f"EXPECTED names routes that no longer exist: {stale}"


@pytest.mark.parametrize("role", ROLES)
def test_each_route_answers_each_role_as_specified(world, role):
    column = ROLES.index(role)
    wrong = []
    for endpoint, method, rule in routes(world.app):
        expected = EXPECTED.get(endpoint, {}).get(method)
        if expected is None:
            continue  # reported by test_every_route_has_an_expectation
        path = concrete_path(rule, world.ids)
        status = world.request(role, method, path)
        if status != expected[column]:
            wrong.append(f"{method} {path}: expected {expected[column]}, got {status}")
    assert not wrong, f"as {role}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("role", ROLES)
def test_held_content_is_refused_to_everyone_but_its_author_and_moderators(world, role):
    column = ROLES.index(role)
    wrong = []
    for call, expected in HELD_EXPECTED.items():
        method, path = call.split(" ", 1)
        path = path.format(**world.ids)
        status = world.request(role, method, path)
        if status != expected[column]:
            wrong.append(f"{call}: expected {expected[column]}, got {status}")
    assert not wrong, f"as {role}:\n" + "\n".join(wrong)


def check_table(world: World, role: str, table: dict[str, tuple[int, int, int, int]]) -> None:
    column = ROLES.index(role)
    wrong = []
    for call, expected in table.items():
        method, path = call.split(" ", 1)
        outcome = world.outcome(role, method, path.format(**world.ids))
        if outcome != expected[column]:
            wrong.append(f"{call}: expected {expected[column]}, got {outcome}")
    assert not wrong, f"as {role}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("role", ROLES)
def test_room_messages_are_redacted_by_moderators_only(world, role):
    check_table(world, role, ROOM_REDACT_EXPECTED)


@pytest.mark.parametrize("role", ROLES)
def test_room_messages_are_flagged_by_those_who_can_see_them(world, role):
    check_table(world, role, ROOM_FLAG_EXPECTED)


@pytest.mark.parametrize("path", ["/cases/{case_id}", "/moderation", "/moderation/audit"])
def test_anonymous_visitors_are_sent_to_the_login_page(world, path):
    path = path.format(**world.ids)
    response = world.app.test_client().get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next={path}"
