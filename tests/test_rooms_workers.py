"""Two server processes share rooms through Redis: a message sent to one reaches the other.

Needs a Redis server (``COP_TEST_REDIS_URL``, default ``redis://127.0.0.1:6379/14``). Without
one the test is skipped, except under ``CI=true`` where it fails: CI must prove the scale path.
"""

from __future__ import annotations

import fcntl
import os
import queue
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
import requests
import socketio as socketio_client

from cop.auth.services import issue_token
from cop.extensions import db
from cop.rooms.presence import KEY_PREFIX
from tests.factories import make_case
from tests.services import service_missing

REPO = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("COP_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


def redis_url_or_skip() -> str:
    """The test Redis URL; skip without Redis, but fail under CI=true."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        service_missing(f"Redis is not reachable at {REDIS_URL} ({error}); "
                        "set COP_TEST_REDIS_URL")
    return REDIS_URL


@pytest.fixture
def redis_url() -> str:
    return redis_url_or_skip()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    """One gunicorn instance: one worker, threads for the WebSockets (Flask-SocketIO's way)."""
    command = [
        sys.executable, "-m", "gunicorn", "-w", "1", "--threads", "50", "--no-control-socket",
        "-b", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app",
    ]
    with log.open("w") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_until_up(port: int, process: subprocess.Popen, log: Path, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server on {port} exited: {log.read_text()[-2000:]}")
        try:
            requests.get(f"http://127.0.0.1:{port}/login", timeout=5)
            return
        except requests.RequestException:
            time.sleep(0.1)
    pytest.fail(f"server on {port} did not start: {log.read_text()[-2000:]}")


def server_env(app, redis_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "COP_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "COP_SEARCH_DIR": app.config["SEARCH_DIR"],
        "COP_REDIS_URL": redis_url,
        "COP_DEMO": "0",
        "SECRET_KEY": "two-workers-test",
    }


@contextmanager
def two_servers(app, redis_url: str, tmp_path: Path,
                case_id: int) -> Iterator[tuple[tuple[int, int], list]]:
    """Two gunicorn servers sharing the test Redis; yields (ports, clients list to fill).

    On the way out the clients disconnect, the servers stop and the room's presence goes.
    Tests using it take turns across xdist workers: Redis pub/sub channels are global, and
    every test's database numbers its first case 1, so two at once would share a room.
    """
    with (Path(tempfile.gettempdir()) / "cop-tests-redis-rooms.lock").open("w") as turn:
        fcntl.flock(turn, fcntl.LOCK_EX)
        yield from _two_servers(app, redis_url, tmp_path, case_id)


def _two_servers(app, redis_url: str, tmp_path: Path,
                 case_id: int) -> Iterator[tuple[tuple[int, int], list]]:
    env = server_env(app, redis_url)
    ports = free_port(), free_port()
    logs = [tmp_path / f"server-{port}.log" for port in ports]
    servers = [start_server(port, env, log) for port, log in zip(ports, logs, strict=True)]
    clients: list = []
    try:
        for port, server, log in zip(ports, servers, logs, strict=True):
            wait_until_up(port, server, log)
        yield ports, clients
    finally:
        for client in clients:
            client.disconnect()
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=10)
        redis.Redis.from_url(redis_url).delete(f"{KEY_PREFIX}case:{case_id}")


def listening_client(port: int, token: str, case_id: int, inbox: queue.Queue):
    client = socketio_client.Client(reconnection=False)
    client.on("message", lambda data: inbox.put(("message", data)))
    client.on("joined", lambda data: inbox.put(("joined", data)))
    client.on("presence", lambda data: inbox.put(("presence", data)))
    client.on("error", lambda data: inbox.put(("error", data)))
    client.connect(f"http://127.0.0.1:{port}", auth={"token": token}, transports=["websocket"],
                   wait_timeout=10)
    client.emit("join", {"case_id": case_id, "since": None})
    return client


def next_event(inbox: queue.Queue, name: str, timeout: float = 10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            event, data = inbox.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            break
        if event == name:
            return data
    pytest.fail(f"no {name!r} event within {timeout} s")


def test_a_message_sent_through_one_worker_reaches_a_client_of_the_other(
        app, members, tmp_path, redis_url):
    author, other = members.create(display_name="Claire Dion"), members.create(display_name="Paul")
    case = make_case(author)
    tokens = issue_token(author), issue_token(other)
    case_id = case.id
    db.session.remove()
    redis.Redis.from_url(redis_url).delete(f"{KEY_PREFIX}case:{case_id}")

    with two_servers(app, redis_url, tmp_path, case_id) as (ports, clients):
        inboxes = queue.Queue(), queue.Queue()
        clients.append(listening_client(ports[0], tokens[0], case_id, inboxes[0]))
        next_event(inboxes[0], "joined")
        clients.append(listening_client(ports[1], tokens[1], case_id, inboxes[1]))
        joined = next_event(inboxes[1], "joined")
        assert {m["display_name"] for m in joined["members"]} == {"Claire Dion", "Paul"}
        assert next_event(inboxes[0], "presence")["member"]["display_name"] == "Paul"

        clients[1].emit("message", {"case_id": case_id, "body": "Bonjour depuis l'autre worker"})
        received = next_event(inboxes[0], "message")
        assert received["html"] == "<p>Bonjour depuis l'autre worker</p>"
        assert next_event(inboxes[1], "message")["id"] == received["id"]


def test_members_sending_at_once_through_both_workers_are_seen_in_id_order_everywhere(
        app, members, tmp_path, redis_url):
    """The room's order lock spans processes: every client sees ids increase, none missing."""
    people = [members.create() for _ in range(8)]
    case = make_case(people[0])
    tokens = [issue_token(person) for person in people]
    case_id = case.id
    db.session.remove()

    with two_servers(app, redis_url, tmp_path, case_id) as (ports, clients):
        inboxes = []
        for index, token in enumerate(tokens):
            inbox: queue.Queue = queue.Queue()
            clients.append(listening_client(ports[index % 2], token, case_id, inbox))
            next_event(inbox, "joined")
            inboxes.append(inbox)

        def send_five(client, sender: int) -> None:
            for n in range(5):
                client.emit("message", {"case_id": case_id, "body": f"m{sender}-{n}"})

        threads = [threading.Thread(target=send_five, args=(client, index))
                   for index, client in enumerate(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        seen = [[next_event(inbox, "message")["id"] for _ in range(40)] for inbox in inboxes]
        assert all(ids == sorted(set(ids)) for ids in seen), seen
        assert all(ids == seen[0] for ids in seen)
