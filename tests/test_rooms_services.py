"""Room services without sockets: storage, replay, moderation hooks, presence, transcripts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cop.errors import NotPermitted
from cop.extensions import db
from cop.models import PostStatus, Role, RoomMessage
from cop.rooms import presence as presence_module
from cop.rooms import services, transcripts
from cop.rooms.services import MessageHeld, RoomRefused
from cop.search.services import search_index
from tests.factories import make_case
from tests.test_rooms_workers import redis_url_or_skip


@pytest.fixture
def app(app):
    app.config["ROOM_TRANSCRIPT_DELAY"] = 0
    return app


@pytest.fixture
def case(members):
    return make_case(members.create(display_name="Claire Dion"))


def send(member, case, body):
    return services.send_message(member, case, body)


def test_messages_are_stored_rendered_and_ordered(case):
    first = send(case.author, case, "Un *premier* message")
    second = send(case.author, case, "Un second")
    assert first.id < second.id
    assert first.body_html == "<p>Un <em>premier</em> message</p>"
    assert [m.id for m in services.history(case.id, None)] == [first.id, second.id]
    assert [m.id for m in services.history(case.id, first.id)] == [second.id]


def test_identifying_messages_are_not_stored(case):
    with pytest.raises(MessageHeld) as held:
        send(case.author, case, "Son numéro RAMQ est TREM 5001 0112.")
    assert held.value.findings and held.value.body.startswith("Son numéro")
    assert db.session.query(RoomMessage).count() == 0


def test_a_detector_failure_holds_the_message(case, monkeypatch):
    def broken(text):
        raise RuntimeError("detector down")

    monkeypatch.setattr("cop.anonymise.services.find_identifiers", broken)
    with pytest.raises(MessageHeld) as held:
        send(case.author, case, "Texte anodin")
    assert held.value.failed and held.value.findings == []


def test_last_seen_only_moves_forward(case):
    message = send(case.author, case, "Bonjour")
    services.mark_seen(case.author.id, case.id)
    assert services.last_seen(case.author.id, case.id) == message.id
    services.mark_seen(case.author.id, case.id, 0)
    assert services.last_seen(case.author.id, case.id) == message.id


def test_rewrite_case_messages_changes_every_status_and_flushes(case):
    kept = send(case.author, case, "Rien à changer")
    hidden = send(case.author, case, "Parlé du lithium hier")
    published = send(case.author, case, "Le lithium va mieux")
    services.set_message_status(hidden.id, "hidden")
    changed = services.rewrite_case_messages(case.id, lambda text: text.replace("lithium", "[X]"))
    assert sorted(changed) == [hidden.id, published.id]
    assert db.session.get(RoomMessage, published.id).body_html == "<p>Le [X] va mieux</p>"
    assert kept.id not in changed
    db.session.rollback()
    assert db.session.get(RoomMessage, published.id).body == "Le lithium va mieux"


def test_set_message_status_and_get_message(case):
    message = send(case.author, case, "À masquer")
    assert services.set_message_status(message.id, "deleted").status == "deleted"
    assert services.get_message(message.id).status == PostStatus.DELETED
    assert services.history(case.id, None) == []
    with pytest.raises(ValueError):
        services.set_message_status(message.id, "held")
    with pytest.raises(RoomRefused):
        services.get_message(9999)


def test_only_moderators_moderate_and_mute(case, members):
    message = send(case.author, case, "Bonjour")
    with pytest.raises(NotPermitted):
        services.moderate(case.author, message.id, "hidden")
    with pytest.raises(NotPermitted):
        services.mute(case.author, case, case.author.id, 5)
    moderator = members.create(role=Role.MODERATOR)
    services.mute(moderator, case, case.author.id, 5)
    with pytest.raises(RoomRefused) as refused:
        send(case.author, case, "Encore")
    assert refused.value.reason == "muted"


def test_transcripts_group_published_messages_by_local_day(case, members):
    other = members.create(display_name="Paul Roy")
    late = send(case.author, case, "Une discussion le soir")
    late.created_at = datetime(2026, 3, 3, 3, 30, tzinfo=UTC)  # 22:30 on March 2 in Montréal
    next_day = send(other, case, "Le lendemain, **plan de crise**")
    next_day.created_at = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
    gone = send(other, case, "Message supprimé")
    gone.created_at = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)
    gone.status = "deleted"
    db.session.commit()

    documents = transcripts.transcript_documents(case)
    assert [d.doc_id for d in documents] == [
        f"transcript:{case.id}:2026-03-02", f"transcript:{case.id}:2026-03-03"]
    assert documents[1].kind == "transcript"
    assert documents[1].body == "Paul Roy: Le lendemain, plan de crise"
    assert "supprimé" not in " ".join(d.body for d in documents)


def test_reindex_transcripts_replaces_the_case_documents(case):
    message = send(case.author, case, "Une discussion sur la psychoéducation familiale")
    hits = search_index().query("psychoéducation", filters={"kind": "transcript"})
    assert [h.doc_id for h in hits.hits] == [
        transcripts.doc_id(case.id, transcripts.local_day(message.created_at))]
    services.set_message_status(message.id, "hidden")
    assert search_index().query("psychoéducation", filters={"kind": "transcript"}).hits == []
    assert search_index().query("lithium").hits  # the case's own documents stay


def test_memory_presence_counts_members_once():
    store = presence_module.MemoryPresence()
    assert store.add("case:1", "sid-a", 7) is True
    assert store.add("case:1", "sid-b", 7) is False
    assert store.add("case:1", "sid-c", 8) is True
    assert store.member_ids("case:1") == [7, 8]
    assert store.remove("case:1", "sid-a") == (7, False)
    assert store.remove("case:1", "sid-b") == (7, True)
    assert store.remove("case:1", "sid-b") == (None, False)
    assert store.member_ids("case:1") == [8]


def test_redis_presence_behaves_like_memory():
    redis_url = redis_url_or_skip()
    store = presence_module.RedisPresence(redis_url)
    room = "case:test-presence"
    store.clear(room)
    try:
        assert store.add(room, "sid-a", 7) is True
        assert store.add(room, "sid-b", 7) is False
        assert store.member_ids(room) == [7]
        assert store.remove(room, "sid-a") == (7, False)
        assert store.remove(room, "sid-b") == (7, True)
        assert store.remove(room, "sid-b") == (None, False)
    finally:
        store.clear(room)
