"""The Socket.IO contract of case rooms (shared/API.md), including bad and hostile input."""

from __future__ import annotations

import pytest

from cop.auth.services import issue_token
from cop.extensions import db, socketio
from cop.models import PostStatus, Role, RoomMessage
from cop.rooms import services
from tests.factories import make_case


@pytest.fixture
def app(app):
    app.config["ROOM_TRANSCRIPT_DELAY"] = 0
    return app


@pytest.fixture
def room(app, members):
    """A case, its author and a second member, with API tokens."""
    author = members.create(display_name="Claire Dion", profession="nurse")
    other = members.create(display_name="Paul Roy")
    case = make_case(author)
    return {"case": case, "author": author, "other": other,
            "author_token": issue_token(author), "other_token": issue_token(other)}


def connect(app, token):
    return socketio.test_client(app, flask_test_client=app.test_client(), auth={"token": token})


def _data(event):
    # The test client unwraps the arguments of the "message" event (Socket.IO's default one).
    if event["name"] == "message":
        return event["args"]
    return event["args"][0] if event["args"] else None


def events(client, name):
    return [_data(event) for event in client.get_received() if event["name"] == name]


def received(client):
    return [(event["name"], _data(event)) for event in client.get_received()]


def join_all(case_id, *clients):
    """Every client joins the room, then their inboxes are emptied."""
    for client in clients:
        client.emit("join", {"case_id": case_id, "since": None})
    for client in clients:
        client.get_received()


def test_connect_requires_a_token_or_a_session(app):
    client = socketio.test_client(app, flask_test_client=app.test_client())
    assert not client.is_connected()
    client = socketio.test_client(app, flask_test_client=app.test_client(),
                                  auth={"token": "nope"})
    assert not client.is_connected()


def test_connect_with_the_browser_session(app, room, browser):
    browser.login(room["other"].email)
    client = socketio.test_client(app, flask_test_client=browser.client)
    assert client.is_connected()
    client.emit("join", {"case_id": room["case"].id, "since": None})
    assert events(client, "joined")[0]["case_id"] == room["case"].id


def test_join_sends_members_and_history_and_tells_the_others(app, room):
    alice = connect(app, room["author_token"])
    alice.emit("join", {"case_id": room["case"].id, "since": None})
    joined = events(alice, "joined")[0]
    assert joined["history"] == []
    assert [m["display_name"] for m in joined["members"]] == ["Claire Dion"]

    paul = connect(app, room["other_token"])
    paul.emit("join", {"case_id": room["case"].id, "since": None})
    assert {m["display_name"] for m in events(paul, "joined")[0]["members"]} == {
        "Claire Dion", "Paul Roy"}
    presence = events(alice, "presence")[0]
    assert presence["present"] is True and presence["member"]["display_name"] == "Paul Roy"


def test_a_message_reaches_everyone_in_the_room_and_is_stored_first(app, room):
    alice, paul = connect(app, room["author_token"]), connect(app, room["other_token"])
    join_all(room["case"].id, alice, paul)
    paul.emit("message", {"case_id": room["case"].id, "body": "Et un **plan de crise** ?"})
    [sent] = events(alice, "message")
    assert sent["html"] == "<p>Et un <strong>plan de crise</strong> ?</p>"
    assert set(sent["author"]) == {"id", "display_name", "profession", "sector", "institution"}
    assert set(sent) == {"id", "case_id", "author", "html", "created_at"}
    assert events(paul, "message") == [sent]
    assert db.session.get(RoomMessage, sent["id"]).body == "Et un **plan de crise** ?"
    # Built before the commit (no reload before the broadcast), yet identical to the stored row.
    db.session.expire_all()
    assert services.message_json(db.session.get(RoomMessage, sent["id"])) == sent


def test_join_with_since_replays_exactly_what_was_missed(app, room):
    case = room["case"]
    alice = connect(app, room["author_token"])
    alice.emit("join", {"case_id": case.id, "since": None})
    for n in range(4):
        alice.emit("message", {"case_id": case.id, "body": f"Message numéro {n}"})
    ids = [m["id"] for m in events(alice, "message")]
    assert ids == sorted(ids) and len(ids) == 4

    paul = connect(app, room["other_token"])
    paul.emit("join", {"case_id": case.id, "since": ids[1]})
    assert [m["id"] for m in events(paul, "joined")[0]["history"]] == ids[2:]
    paul.emit("join", {"case_id": case.id, "since": ids[-1]})
    assert events(paul, "joined")[0]["history"] == []


def test_identifying_messages_are_held_for_their_author_only(app, room):
    alice, paul = connect(app, room["author_token"]), connect(app, room["other_token"])
    join_all(room["case"].id, alice, paul)
    body = "Appelez-la au 514-555-0199 ou écrivez à marie.tremblay@example.org"
    paul.emit("message", {"case_id": room["case"].id, "body": body})
    held = received(paul)
    assert [name for name, _ in held] == ["held"]
    assert held[0][1]["body"] == body and {f["kind"] for f in held[0][1]["findings"]} >= {
        "PHONE", "EMAIL"}
    assert received(alice) == []
    assert db.session.query(RoomMessage).count() == 0
    paul.emit("join", {"case_id": room["case"].id, "since": 0})
    assert events(paul, "joined")[0]["history"] == []


def test_typing_goes_to_the_others(app, room):
    alice, paul = connect(app, room["author_token"]), connect(app, room["other_token"])
    join_all(room["case"].id, alice, paul)
    paul.emit("typing", {"case_id": room["case"].id})
    assert events(alice, "typing")[0]["author"]["display_name"] == "Paul Roy"
    assert received(paul) == []


def test_leave_and_disconnect_tell_the_others(app, room):
    alice, paul = connect(app, room["author_token"]), connect(app, room["other_token"])
    for client in (alice, paul):
        client.emit("join", {"case_id": room["case"].id, "since": None})
    alice.get_received()
    paul.emit("leave", {"case_id": room["case"].id})
    assert events(alice, "presence")[0]["present"] is False
    paul.emit("join", {"case_id": room["case"].id, "since": None})
    alice.get_received()
    paul.disconnect()
    assert events(alice, "presence")[0] == {
        "case_id": room["case"].id, "member": services.author_json(room["other"]),
        "present": False}


BAD_EVENTS = [
    ("join", None, "invalid"),
    ("join", "case 1", "invalid"),
    ("join", [1], "invalid"),
    ("join", {}, "invalid"),
    ("join", {"case_id": "1"}, "invalid"),
    ("join", {"case_id": True}, "invalid"),
    ("join", {"case_id": 10**30}, "invalid"),
    ("join", {"case_id": 1, "since": "x"}, "invalid"),
    ("join", {"case_id": 1, "since": -1}, "invalid"),
    ("join", {"case_id": 999}, "not_found"),
    ("message", {"case_id": 1, "body": "bonjour"}, "not_joined"),
    ("typing", {"case_id": 1}, "not_joined"),
    ("leave", {"case_id": 1}, "not_joined"),
    ("message", {"case_id": 999, "body": "bonjour"}, "not_found"),
    ("moderate", {"case_id": 1, "id": 1, "status": "deleted"}, "not_found"),
    ("mute", {"case_id": 1, "member_id": 1, "minutes": 5}, "forbidden"),
]


@pytest.mark.parametrize(("event", "data", "reason"), BAD_EVENTS)
def test_bad_events_get_an_error_with_a_reason(app, room, event, data, reason):
    paul = connect(app, room["other_token"])
    paul.emit(event, data)
    [error] = events(paul, "error")
    assert error["reason"] == reason and error["event"] == event and error["message"]
    assert paul.is_connected()


@pytest.mark.parametrize(("body", "reason"), [
    (None, "invalid"), (42, "invalid"), ("   ", "invalid"), ("x" * 4001, "too_long"),
    ({"text": "hi"}, "invalid"), ("nul\x00", "invalid"),
])
def test_bad_bodies_are_refused_and_nothing_reaches_the_others(app, room, body, reason):
    alice, paul = connect(app, room["author_token"]), connect(app, room["other_token"])
    join_all(room["case"].id, alice, paul)
    paul.emit("message", {"case_id": room["case"].id, "body": body})
    assert events(paul, "error")[0]["reason"] == reason
    assert received(alice) == []


def test_extra_arguments_do_not_crash_the_handler(app, room):
    paul = connect(app, room["other_token"])
    paul.emit("join", {"case_id": room["case"].id}, {"extra": 1})
    assert events(paul, "error")[0]["reason"] == "invalid"


def test_a_case_the_member_cannot_see_is_not_found(app, room, members):
    from cop.anonymise.services import OnFindings
    from cop.cases.services import CaseDraft, Submission, open_case

    held = open_case(room["author"], CaseDraft(
        title="Un cas retenu", sections={"situation": "Mme Gagnon, 514-555-0199, à Laval."}),
        Submission(OnFindings.HOLD, "test"))
    assert held.opening.status == PostStatus.HELD
    paul = connect(app, room["other_token"])
    paul.emit("join", {"case_id": held.id, "since": None})
    assert events(paul, "error")[0]["reason"] == "not_found"
    alice = connect(app, room["author_token"])
    alice.emit("join", {"case_id": held.id, "since": None})
    assert events(alice, "joined")


def test_a_flooding_member_is_slowed_down_without_affecting_others(app, room):
    app.config["ROOM_RATE_LIMITS"] = {"message": "3 per 10 seconds"}
    alice, paul = connect(app, room["author_token"]), connect(app, room["other_token"])
    join_all(room["case"].id, alice, paul)
    for n in range(5):
        paul.emit("message", {"case_id": room["case"].id, "body": f"flood {n}"})
    assert len(events(alice, "message")) == 3
    assert [e["reason"] for e in events(paul, "error")] == ["rate_limited"] * 2
    alice.emit("message", {"case_id": room["case"].id, "body": "je peux encore parler"})
    assert len(events(paul, "message")) == 1


def test_moderators_hide_delete_and_mute_live(app, room, members):
    moderator = members.create(role=Role.MODERATOR)
    mod = connect(app, issue_token(moderator))
    alice, paul = connect(app, room["author_token"]), connect(app, room["other_token"])
    case_id = room["case"].id
    for client in (alice, paul, mod):
        client.emit("join", {"case_id": case_id, "since": None})
    paul.emit("message", {"case_id": case_id, "body": "premier"})
    paul.emit("message", {"case_id": case_id, "body": "second"})
    first, second = (m["id"] for m in events(alice, "message"))
    paul.get_received()

    paul.emit("moderate", {"case_id": case_id, "id": first, "status": "hidden"})
    assert events(paul, "error")[0]["reason"] == "forbidden"
    mod.emit("moderate", {"case_id": case_id, "id": first, "status": "hidden"})
    mod.emit("moderate", {"case_id": case_id, "id": second, "status": "bogus"})
    assert events(alice, "message_deleted") == [{"case_id": case_id, "id": first}]
    assert events(mod, "error")[0]["reason"] == "invalid"

    mod.emit("mute", {"case_id": case_id, "member_id": room["other"].id, "minutes": 10})
    assert events(alice, "muted")[0]["member_id"] == room["other"].id
    paul.get_received()
    paul.emit("message", {"case_id": case_id, "body": "encore moi"})
    assert events(paul, "error")[0]["reason"] == "muted"
    assert events(alice, "message") == []

    paul.emit("join", {"case_id": case_id, "since": 0})
    assert [m["id"] for m in events(paul, "joined")[0]["history"]] == [second]
