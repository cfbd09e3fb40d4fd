"""Fan-out of a case room: N clients in one room, latency from send to every receipt.

Scenarios: 100, 200 and 500 WebSocket clients (python-socketio AsyncClient, one event loop)
on one gunicorn process, then on two gunicorn processes sharing rooms through Redis (clients
split between them). Reports fan-out latency p50/p95 over paced messages and messages per
second over a burst. Targets: p95 <= 50 ms at 500 clients on one process; two workers no
worse than twice that.

    python benchmarks/bench_rooms.py [--clients 100 200 500] [--messages 40] [--burst 40]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import resource
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

import socketio

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from cop import create_app  # noqa: E402
from cop.cases.services import CaseDraft, open_case  # noqa: E402
from cop.extensions import db  # noqa: E402
from cop.models import ApiToken, Institution, Member  # noqa: E402

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
SCENARIO_TIMEOUT = 180


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepare_database(folder: Path, clients: int) -> tuple[str, int, list[str]]:
    """A fresh SQLite database with `clients` members (and tokens) and one case."""
    url = f"sqlite:///{folder / 'bench.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SEARCH_DIR": str(folder / "search"),
                      "SECRET_KEY": "bench", "REDIS_URL": None, "DEMO_DATA": False})
    tokens = []
    with app.app_context():
        db.create_all()
        institution = Institution(name="CLSC du banc d'essai", name_key="clsc-banc")
        db.session.add(institution)
        for n in range(clients):
            member = Member(email=f"bench{n}@example.org", password_hash="!",
                            display_name=f"Membre {n}", handle=f"membre-{n}",
                            profession="nurse", sector="hospital", institution=institution)
            token = secrets.token_urlsafe(24)
            db.session.add_all([member, ApiToken(member=member, digest=hashlib.sha256(
                token.encode()).hexdigest())])
            tokens.append(token)
        db.session.commit()
        author = db.session.query(Member).first()
        case = open_case(author, CaseDraft(title="Banc d'essai", sections={
            "situation": "Un suivi difficile, sans détail identifiant."}))
        case_id = case.id
        db.session.remove()
        db.engine.dispose()
    return url, case_id, tokens


def start_servers(count: int, folder: Path, db_url: str, threads: int,
                  redis_url: str | None) -> tuple[list[subprocess.Popen], list[int]]:
    env = {**os.environ, "COP_DATABASE_URL": db_url, "COP_SEARCH_DIR": str(folder / "search"),
           "COP_DEMO": "0", "SECRET_KEY": "bench"}
    env.pop("COP_REDIS_URL", None)
    if redis_url:
        env["COP_REDIS_URL"] = redis_url
    servers, ports = [], []
    for _ in range(count):
        port = free_port()
        command = [sys.executable, "-m", "gunicorn", "-w", "1", "--threads", str(threads),
                   "--no-control-socket", "-b", f"127.0.0.1:{port}", "--log-level", "error",
                   "wsgi:app"]
        servers.append(subprocess.Popen(command, cwd=REPO, env=env))
        ports.append(port)
    for port in ports:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
    return servers, ports


class Receiver:
    """One member's connection; records when each benchmark message arrives."""

    def __init__(self, url: str, token: str, case_id: int, arrivals: dict) -> None:
        self.url, self.token, self.case_id, self.arrivals = url, token, case_id, arrivals
        self.client = socketio.AsyncClient(reconnection=False)
        self.joined = asyncio.Event()
        self.client.on("joined", self._joined)
        self.client.on("message", self._message)

    async def _joined(self, data) -> None:
        self.joined.set()

    async def _message(self, data) -> None:
        now = time.perf_counter()
        tag = data["html"][3:-4]  # "<p>bench-N</p>"
        self.arrivals.setdefault(tag, []).append(now)

    async def start(self) -> None:
        await self.client.connect(self.url, auth={"token": self.token},
                                  transports=["websocket"], wait_timeout=30)
        await self.client.emit("join", {"case_id": self.case_id, "since": None})
        await asyncio.wait_for(self.joined.wait(), 60)


async def run_scenario(clients: int, ports: list[int], case_id: int, tokens: list[str],
                       messages: int, burst: int) -> dict:
    arrivals: dict[str, list[float]] = {}
    receivers = [Receiver(f"http://127.0.0.1:{ports[n % len(ports)]}", tokens[n], case_id,
                          arrivals) for n in range(clients)]
    started = time.perf_counter()
    for chunk in range(0, clients, 50):
        await asyncio.gather(*(r.start() for r in receivers[chunk:chunk + 50]))
    connect_seconds = time.perf_counter() - started
    await asyncio.sleep(1)

    async def send(n: int) -> tuple[str, float]:
        tag = f"bench-{n}"
        sender = receivers[n % clients]  # rotate senders: each stays under its rate limit
        sent_at = time.perf_counter()
        await sender.client.emit("message", {"case_id": case_id, "body": tag})
        return tag, sent_at

    async def delivered(tags: list[str], timeout: float) -> None:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if all(len(arrivals.get(tag, ())) >= clients for tag in tags):
                return
            await asyncio.sleep(0.005)

    warm = [await send(-1)]  # first use loads the anonymiser's lexicons: not measured
    await delivered([warm[0][0]], 30)

    latencies = []
    paced = []
    for n in range(messages):
        paced.append(await send(n))
        await asyncio.sleep(0.1)
    await delivered([tag for tag, _ in paced], 30)
    for tag, sent_at in paced:
        latencies.extend((t - sent_at) * 1000 for t in arrivals.get(tag, ()))
    lost = messages * clients - len(latencies)

    burst_started = time.perf_counter()
    sent = await asyncio.gather(*(send(messages + n) for n in range(burst)))
    tags = [tag for tag, _ in sent]
    await delivered(tags, 60)
    last = max((max(arrivals.get(tag, [burst_started])) for tag in tags), default=burst_started)
    burst_seconds = last - burst_started
    burst_lost = burst * clients - sum(len(arrivals.get(tag, ())) for tag in tags)
    await asyncio.gather(*(r.client.disconnect() for r in receivers), return_exceptions=True)
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0] * 99
    return {
        "connect_s": connect_seconds,
        "p50_ms": statistics.median(latencies) if latencies else float("nan"),
        "p95_ms": quantiles[94],
        "max_ms": max(latencies, default=float("nan")),
        "lost": lost + burst_lost,
        "msgs_per_s": burst / burst_seconds if burst_seconds > 0 else float("nan"),
        "deliveries_per_s": burst * clients / burst_seconds if burst_seconds > 0 else 0,
    }


def scenario(clients: int, workers: int, messages: int, burst: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="cop-bench-rooms-") as tmp:
        folder = Path(tmp)
        db_url, case_id, tokens = prepare_database(folder, clients)
        redis_url = REDIS_URL if workers > 1 else None
        if redis_url:
            import redis

            redis.Redis.from_url(redis_url).flushdb()  # this database is the benchmark's own
        threads = clients // workers + 50
        servers, ports = start_servers(workers, folder, db_url, threads, redis_url)
        try:
            return asyncio.run(asyncio.wait_for(
                run_scenario(clients, ports, case_id, tokens, messages, burst),
                SCENARIO_TIMEOUT))
        finally:
            for server in servers:
                server.terminate()
            for server in servers:
                server.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[100, 200, 500])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--messages", type=int, default=40, help="paced messages (10 per s)")
    parser.add_argument("--burst", type=int, default=40, help="messages sent all at once")
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    print(f"cop room fan-out; {os.cpu_count()} CPUs; python-socketio {version('python-socketio')}; "
          f"{args.messages} paced messages (10/s), burst of {args.burst}")
    print(f"{'clients':>7} {'workers':>7} {'connect s':>9} {'p50 ms':>7} {'p95 ms':>7} "
          f"{'max ms':>7} {'lost':>5} {'msg/s':>7} {'deliveries/s':>12}")
    for clients in args.clients:
        for workers in args.workers:
            r = scenario(clients, workers, args.messages, args.burst)
            print(f"{clients:>7} {workers:>7} {r['connect_s']:>9.1f} {r['p50_ms']:>7.1f} "
                  f"{r['p95_ms']:>7.1f} {r['max_ms']:>7.1f} {r['lost']:>5} "
                  f"{r['msgs_per_s']:>7.1f} {r['deliveries_per_s']:>12.0f}", flush=True)


if __name__ == "__main__":
    main()
