"""Who may do what in the live rooms: every Socket.IO event handler × every kind of caller.

The table below is the specification, as `test_security_authz.py` is for HTTP routes. The
events are read from the handlers registered on `cop.extensions.socketio`: an event added
without a row here fails `test_every_socket_event_has_an_expectation`.

Each cell runs one event on a fresh connection of the caller, with a valid payload for the
column's case, while an observer (the case's author) sits in that case's room. Except for
`connect` and `join`, the caller first tries to join the room (whatever the answer). A cell reads
"<what the caller receives> / <what the observer receives>", "-" for nothing:

* ``refused``: the connection itself is refused (no session, no valid token);
* ``error:<reason>``: the caller gets `error {reason, event}` and nothing else happens;
* event names otherwise (``presence:in`` / ``presence:out`` for arrivals and departures).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from cop.anonymise.services import OnFindings
from cop.auth.services import issue_token
from cop.cases.services import CaseDraft, Submission, open_case
from cop.extensions import db, socketio
from cop.models import Member, PostStatus, Role, RoomMessage, RoomMute
from tests.conftest import fresh_app
from tests.factories import MemberFactory, make_case

IDENTIFYING = "Mme Josée Tremblay, joignable au 514-555-0199, refuse son traitement."

# column -> (who calls, which case the payload names)
COLUMNS: dict[str, tuple[str | None, str]] = {
    "anonymous": (None, "case"),
    "member": ("member", "case"),  # another member than the author: the case is visible
    "member_held": ("member", "held_case"),  # the same member, on someone else's held case
    "moderator": ("moderator", "case"),
    "moderator_held": ("moderator", "held_case"),
}
ROLES = tuple(COLUMNS)
REFUSED = "refused"
NOT_FOUND = "error:not_found / -"
FORBIDDEN = "error:forbidden / -"

# event -> outcome for (anonymous, member, member_held, moderator, moderator_held)
EXPECTED: dict[str, tuple[str, str, str, str, str]] = {
    "connect": (REFUSED, "connected / -", "connected / -", "connected / -", "connected / -"),
    "disconnect": (REFUSED, "- / presence:out", "- / -", "- / presence:out", "- / presence:out"),
    "join": (REFUSED, "joined / presence:in", NOT_FOUND, "joined / presence:in",
             "joined / presence:in"),
    "message": (REFUSED, "message / message", NOT_FOUND, "message / message",
                "message / message"),
    "typing": (REFUSED, "- / typing", NOT_FOUND, "- / typing", "- / typing"),
    "leave": (REFUSED, "- / presence:out", NOT_FOUND, "- / presence:out", "- / presence:out"),
    # Moderation of room messages and mutes: moderators only, members are refused.
    "moderate": (REFUSED, FORBIDDEN, NOT_FOUND, "message_deleted / message_deleted",
                 "message_deleted / message_deleted"),
    "mute": (REFUSED, FORBIDDEN, NOT_FOUND, "muted / muted", "muted / muted"),
}


class World:
    """A published case and someone else's held case, each with a room message; four members."""

    def __init__(self, app: Flask) -> None:
        members = MemberFactory()
        self.app = app
        self.author = members.create(display_name="Claire Dion")
        self.member = members.create(display_name="Paul Roy", institution="Hôpital du Nord")
        self.moderator = members.create(display_name="Maude Gagnon", role=Role.MODERATOR)
        self.bystander = members.create(display_name="Léa Morin")  # muted by the `mute` cells
        self.cases = {
            "case": make_case(self.author),
            "held_case": open_case(
                self.author,
                CaseDraft(title="Un refus", sections={"situation": IDENTIFYING}),
                Submission(OnFindings.HOLD, "The author insists."),
            ),
        }
        assert not self.cases["held_case"].opening.is_published
        self.messages = {}
        for key, case in self.cases.items():
            message = RoomMessage(case_id=case.id, author=self.author, body="Bonjour à tous.",
                                  body_html="<p>Bonjour à tous.</p>")
            db.session.add(message)
            db.session.commit()
            self.messages[key] = message.id
        self.tokens = {name: issue_token(getattr(self, name))
                       for name in ("author", "member", "moderator")}

    def connect(self, who: str | None):
        """A Socket.IO test client of `who` (None: no session and no token)."""
        auth = {"token": self.tokens[who]} if who else None
        return socketio.test_client(self.app, flask_test_client=self.app.test_client(),
                                    auth=auth)

    def payload(self, event: str, case_key: str) -> dict:
        case_id = self.cases[case_key].id
        extra = {
            "join": {"since": None},
            "message": {"body": "Et un plan de crise rédigé ensemble ?"},
            "moderate": {"id": self.messages[case_key], "status": PostStatus.HIDDEN.value},
            "mute": {"member_id": self.bystander.id, "minutes": 5},
        }.get(event, {})
        return {"case_id": case_id, **extra}


def make_world(tmp_path, postgres_schema) -> Iterator[World]:
    settings = {"RATELIMIT_ENABLED": False, "ROOM_TRANSCRIPT_DELAY": 0}
    with fresh_app(tmp_path, postgres_schema, **settings) as app:
        yield World(app)


@pytest.fixture
def world(tmp_path, postgres_schema):
    yield from make_world(tmp_path, postgres_schema)


def registered_events() -> dict[str, set[str]]:
    """namespace -> event names, from python-socketio's table and Flask-SocketIO's registry."""
    found: dict[str, set[str]] = {}
    for namespace, handlers in socketio.server.handlers.items():
        found.setdefault(namespace, set()).update(handlers)
    for event, _handler, namespace in socketio.handlers:
        found.setdefault(namespace or "/", set()).add(event)
    return found


def names(received: list[dict]) -> list[str]:
    out = []
    for packet in received:
        name = packet["name"]
        data = packet["args"][0] if packet["args"] and name != "message" else None
        if name == "presence":
            name = "presence:in" if data["present"] else "presence:out"
        elif name == "error":
            name = f"error:{data['reason']}"
        out.append(name)
    return out


def show(events: list[str]) -> str:
    return "+".join(dict.fromkeys(events)) or "-"


def run_cell(world: World, role: str, event: str) -> str:
    """Play one cell of the table and describe what the caller and the observer received."""
    who, case_key = COLUMNS[role]
    observer = world.connect("author")
    observer.emit("join", world.payload("join", case_key))
    assert [p["name"] for p in observer.get_received()] == ["joined"]
    caller = world.connect(who)
    if who is None:
        with_session = socketio.test_client(world.app, flask_test_client=world.app.test_client())
        with_bad_token = socketio.test_client(world.app, flask_test_client=world.app.test_client(),
                                              auth={"token": "not-a-token"})
        connected = [c.is_connected() for c in (caller, with_session, with_bad_token)]
        observer.disconnect()
        return REFUSED if not any(connected) else f"connected: {connected}"
    if event not in ("connect", "join"):
        caller.emit("join", world.payload("join", case_key))
    caller.get_received()
    observer.get_received()
    if event == "disconnect":
        caller.disconnect()
        mine = []
    elif event == "connect":
        mine = ["connected"] if caller.is_connected() else [REFUSED]
    else:
        caller.emit(event, world.payload(event, case_key))
        received = caller.get_received()
        errors = [p["args"][0] for p in received if p["name"] == "error"]
        assert all(e["event"] == event for e in errors), errors
        mine = names(received)
    theirs = names(observer.get_received())
    for client in (caller, observer):
        if client.is_connected():
            client.disconnect()
    return f"{show(mine)} / {show(theirs)}"


def test_every_socket_event_has_an_expectation(app):
    events = registered_events()
    other_namespaces = {ns: sorted(found) for ns, found in events.items() if ns != "/" and found}
    assert not other_namespaces, f"add other namespaces' handlers to this file: {other_namespaces}"
    missing = sorted(events.get("/", set()) - set(EXPECTED))
    assert not missing, "add these Socket.IO events to EXPECTED in this file: " + ", ".join(missing)
    stale = sorted(set(EXPECTED) - events.get("/", set()))
    assert not stale, f"EXPECTED names events that have no handler any more: {stale}"


@pytest.mark.parametrize("role", ROLES)
def test_each_socket_event_answers_each_caller_as_specified(world, role):
    column = ROLES.index(role)
    wrong = []
    for event in sorted(registered_events().get("/", set())):
        expected = EXPECTED.get(event)
        if expected is None:
            continue  # reported by test_every_socket_event_has_an_expectation
        outcome = run_cell(world, role, event)
        if outcome != expected[column]:
            wrong.append(f"{event}: expected {expected[column]!r}, got {outcome!r}")
    assert not wrong, f"as {role}:\n" + "\n".join(wrong)


def _member_refusals(world: World) -> dict[str, Callable[[], object]]:
    """What a refused member's events must not have changed."""
    held = world.cases["held_case"]
    return {
        "messages": lambda: db.session.query(RoomMessage).filter_by(case_id=held.id).count(),
        "statuses": lambda: [m.status for m in db.session.query(RoomMessage).order_by("id")],
        "mutes": lambda: db.session.query(RoomMute).count(),
    }


def test_refused_events_change_nothing_and_leak_nothing(world):
    """A member refused on someone else's held case stores nothing and hears nothing after."""
    state = _member_refusals(world)
    before = {name: read() for name, read in state.items()}
    outsider, author = world.connect("member"), world.connect("author")
    held = world.cases["held_case"]
    author.emit("join", world.payload("join", "held_case"))
    for event in ("join", "message", "typing", "moderate", "mute", "leave"):
        outsider.emit(event, world.payload(event, "held_case"))
    refusals = [p["args"][0] for p in outsider.get_received()]
    assert {(r["event"], r["reason"]) for r in refusals} == {
        (event, "not_found") for event in ("join", "message", "typing", "moderate", "mute",
                                           "leave")}
    assert all(r.get("case_id") == held.id for r in refusals)
    assert names(author.get_received()) == ["joined"]  # no presence, typing or message leaked
    db.session.expire_all()
    assert {name: read() for name, read in state.items()} == before
    # The refused join did not put the member in the room: the room's traffic never reaches it.
    author.emit("message", {"case_id": held.id, "body": "Seulement pour la modération."})
    author.emit("typing", {"case_id": held.id})
    assert names(author.get_received()) == ["message"]
    assert outsider.get_received() == []


def test_a_member_cannot_moderate_even_their_own_case(world):
    author = world.connect("author")
    case = world.cases["case"]
    author.emit("join", world.payload("join", "case"))
    author.get_received()
    author.emit("moderate", world.payload("moderate", "case"))
    author.emit("mute", world.payload("mute", "case"))
    assert names(author.get_received()) == ["error:forbidden", "error:forbidden"]
    db.session.expire_all()
    assert db.session.get(RoomMessage, world.messages["case"]).status == "published"
    assert db.session.query(RoomMute).filter_by(case_id=case.id).count() == 0


def test_a_demoted_moderator_loses_the_moderation_events_at_once(world):
    moderator = world.connect("moderator")
    moderator.emit("join", world.payload("join", "case"))
    moderator.get_received()
    member = db.session.get(Member, world.moderator.id)
    member.role = Role.MEMBER.value
    db.session.commit()
    moderator.emit("moderate", world.payload("moderate", "case"))
    assert names(moderator.get_received()) == ["error:forbidden"]


BAD_PAYLOADS = [None, "1", [1], {"case_id": "1"}, {"case_id": True}, {"case_id": 10**20},
                {"case_id": 999_999}]


@pytest.mark.parametrize("event", sorted(set(EXPECTED) - {"connect", "disconnect"}))
def test_bad_payloads_are_refused_without_a_server_error(world, event):
    client = world.connect("moderator")
    wrong = []
    for payload in BAD_PAYLOADS:
        if payload is None:
            client.emit(event)
        else:
            client.emit(event, payload)
        got = [(p["args"][0]["reason"], p["args"][0]["event"]) for p in client.get_received()]
        if got not in ([("invalid", event)], [("not_found", event)]):
            wrong.append(f"{payload!r}: {got}")
    assert not wrong, f"{event} with a bad payload:\n" + "\n".join(wrong)
