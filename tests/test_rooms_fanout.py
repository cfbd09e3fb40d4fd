"""Room broadcasts go straight to each WebSocket, in order, and nothing is lost or reordered."""

from __future__ import annotations

import queue
import threading
import time

import pytest
import socketio as socketio_client
from engineio import packet as eio_packet
from wsproto import ConnectionType
from wsproto.connection import Connection
from wsproto.events import BytesMessage, TextMessage

from cop.auth.services import issue_token
from cop.extensions import db
from cop.rooms.fanout import SendQueue, websocket_frame
from tests.factories import make_case
from tests.test_rooms_workers import free_port, start_server, wait_until_up


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65_535, 65_536, 70_000])
def test_frames_are_the_ones_wsproto_writes(size):
    server = Connection(ConnectionType.SERVER)
    text = "é" * (size // 2) + "x" * (size % 2)
    assert websocket_frame(text) == server.send(TextMessage(data=text))
    data = bytes(range(256)) * (size // 256) + bytes(size % 256)
    assert websocket_frame(data) == server.send(BytesMessage(data=data))


class FakeWebSocket:
    """The kernel's side of a socket: takes up to ``room`` bytes per write."""

    def __init__(self, room: int = 1 << 20) -> None:
        self.room = room
        self.wire = b""

    def try_write(self, frame: bytes) -> int:
        taken = frame[: self.room]
        self.wire += taken
        return len(taken)


class FakeEngineIOSocket:
    upgraded, upgrading, closed = True, False, False


def streaming_queue(websocket: FakeWebSocket) -> SendQueue:
    send_queue = SendQueue()
    send_queue.engineio_socket = FakeEngineIOSocket()
    send_queue.websocket = websocket  # type: ignore[assignment]
    return send_queue


def packet(text: str) -> eio_packet.Packet:
    return eio_packet.Packet(eio_packet.MESSAGE, text)


def test_an_idle_connection_gets_the_frame_at_once():
    websocket = FakeWebSocket()
    send_queue = streaming_queue(websocket)
    send_queue.deliver(packet("hello"), websocket_frame("4hello"))
    assert websocket.wire == websocket_frame("4hello")
    assert send_queue.empty()


def test_a_connection_still_polling_or_upgrading_is_queued():
    websocket = FakeWebSocket()
    send_queue = streaming_queue(websocket)
    send_queue.engineio_socket.upgrading = True
    send_queue.deliver(packet("hello"), websocket_frame("4hello"))
    assert websocket.wire == b"" and send_queue.get_nowait().data == "hello"


def test_packets_queue_behind_what_the_writer_still_holds():
    websocket = FakeWebSocket()
    send_queue = streaming_queue(websocket)
    send_queue.put(packet("first"))
    taken = send_queue.get()  # the writer thread took it and is writing it
    send_queue.deliver(packet("second"), websocket_frame("4second"))
    assert websocket.wire == b"", "second must not overtake first"
    send_queue.written()  # the writer wrote "first"
    assert send_queue.get_nowait().data == "second"
    send_queue.written()
    send_queue.deliver(packet("third"), websocket_frame("4third"))
    assert taken.data == "first" and websocket.wire == websocket_frame("4third")


def test_a_partly_written_frame_is_finished_by_the_writer_before_anything_else():
    websocket = FakeWebSocket(room=3)
    send_queue = streaming_queue(websocket)
    frame = websocket_frame("4a longer message")
    send_queue.deliver(packet("a longer message"), frame)
    send_queue.deliver(packet("next"), websocket_frame("4next"))
    remainder, following = send_queue.get_nowait(), send_queue.get_nowait()
    assert websocket.wire + remainder.encode() == frame
    assert following.data == "next"


# A real server: gunicorn threads, simple-websocket, browsers' way of connecting (polling
# then upgrade) and scripts' (WebSocket at once); several members sending at the same time.

SENDERS, MESSAGES_EACH, LISTENERS = 4, 6, 6


def test_every_client_gets_every_message_once_in_id_order(app, members, tmp_path):
    case = make_case(members.create())
    people = [members.create() for _ in range(SENDERS + LISTENERS)]
    tokens = [issue_token(person) for person in people]
    case_id = case.id
    db.session.remove()

    port, log = free_port(), tmp_path / "server.log"
    env = _env(app)
    server = start_server(port, env, log)
    clients: list[socketio_client.Client] = []
    try:
        wait_until_up(port, server, log)
        inboxes = []
        for index, token in enumerate(tokens):
            inbox: queue.Queue = queue.Queue()
            transports = ["websocket"] if index % 2 else ["polling", "websocket"]
            clients.append(_joined_client(port, token, case_id, inbox, transports))
            inboxes.append(inbox)

        def send_all(client: socketio_client.Client, sender: int) -> None:
            for n in range(MESSAGES_EACH):
                client.emit("message", {"case_id": case_id, "body": f"m{sender}-{n}"})

        threads = [threading.Thread(target=send_all, args=(clients[s], s)) for s in range(SENDERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        expected = SENDERS * MESSAGES_EACH
        received = [_messages(inbox, expected) for inbox in inboxes]
        ids = [message["id"] for message in received[0]]
        assert len(ids) == expected
        for messages in received:
            assert [message["id"] for message in messages] == sorted(ids)
        assert {m["html"] for m in received[-1]} == {
            f"<p>m{s}-{n}</p>" for s in range(SENDERS) for n in range(MESSAGES_EACH)
        }
        assert all(client.transport() == "websocket" for client in clients)
    finally:
        for client in clients:
            client.disconnect()
        server.terminate()
        server.wait(timeout=10)


def _env(app) -> dict[str, str]:
    import os

    return {
        **os.environ,
        "COP_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "COP_SEARCH_DIR": app.config["SEARCH_DIR"],
        "COP_DEMO": "0",
        "COP_REDIS_URL": "",
        "SECRET_KEY": "fan-out-test",
    }


def _joined_client(port: int, token: str, case_id: int, inbox: queue.Queue,
                   transports: list[str]) -> socketio_client.Client:
    client = socketio_client.Client(reconnection=False)
    joined = threading.Event()
    client.on("message", lambda data: inbox.put(data))
    client.on("joined", lambda data: joined.set())
    client.on("error", lambda data: inbox.put({"error": data}))
    client.connect(f"http://127.0.0.1:{port}", auth={"token": token}, transports=transports,
                   wait_timeout=10)
    client.emit("join", {"case_id": case_id, "since": None})
    assert joined.wait(10), "no joined event"
    deadline = time.monotonic() + 10
    while client.transport() != "websocket" and time.monotonic() < deadline:
        time.sleep(0.05)  # a browser-like client upgrades from polling shortly after
    return client


def _messages(inbox: queue.Queue, expected: int) -> list[dict]:
    found: list[dict] = []
    deadline = time.monotonic() + 20
    while len(found) < expected and time.monotonic() < deadline:
        try:
            item = inbox.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            break
        assert "error" not in item, item
        found.append(item)
    return found
