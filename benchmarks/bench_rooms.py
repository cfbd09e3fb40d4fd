"""Fan-out of a case room: N clients in one room, latency from send to every receipt.

Scenarios: 100, 200 and 500 WebSocket clients on one gunicorn process, then on two gunicorn
processes sharing rooms through Redis (clients split between them). Reports fan-out latency
p50/p95 over paced messages and messages per second over a burst. Targets: p95 <= 50 ms at
500 clients on one process; two workers no worse than twice that.

The clients share the machine with the server, so the benchmark separates the two:

* ``--client raw`` (default): light clients speaking Engine.IO/Socket.IO over aiohttp's
  WebSocket by hand; a `message` frame is recognised by its prefix and never JSON-decoded.
  ``--client socketio`` uses python-socketio's AsyncClient (the full client, much heavier).
* ``--procs`` client processes (default 2) share the connections; ``--pin`` puts the servers
  on CPU 0 and every client process on CPU 1.
* The server processes run ``traced_app()``: the cop app plus timestamps (CLOCK_MONOTONIC, the
  same clock in every process) when the server decodes a message, fans it out, and writes it
  to each socket. "server p95" is send -> socket write; the rest of the end-to-end latency is
  the kernel and the client. CPU shares are measured from /proc over the measured phases.

    python benchmarks/bench_rooms.py [--clients 100 200 500] [--workers 1 2] [--pin]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import multiprocessing
import os
import resource
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from importlib.metadata import version
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
SCENARIO_TIMEOUT = 240
SENDERS = 20  # rotating senders: each stays under the 10 messages / 10 s rate limit
clock = time.monotonic  # CLOCK_MONOTONIC: comparable between processes on Linux
SERVER_CPU, CLIENT_CPU = 0, 1

# --------------------------------------------------------------------------- server side

TRACE: list[tuple] = []
CHILDREN: list = []  # client processes of the running scenario (killed if it fails)


def _tag_of(event: str, data: object) -> str | None:
    if event != "message":
        return None
    if isinstance(data, (list, tuple)) and data:
        data = data[0]
    html = data.get("html", "") if isinstance(data, dict) else ""
    return html[3:-4] if html.startswith("<p>bench-") else None


def traced_app():
    """The cop app (configured from the environment, as wsgi.py) with benchmark timestamps."""
    import socketio as sio
    from flask import jsonify

    from cop import create_app
    from cop.rooms.fanout import FanoutManager, RoomWebSocket

    app = create_app()
    record = TRACE.append
    if os.environ.get("BENCH_SWITCH_INTERVAL"):
        sys.setswitchinterval(float(os.environ["BENCH_SWITCH_INTERVAL"]))

    handle_event = sio.Server._handle_event

    def traced_handle_event(self, eio_sid, namespace, id, data):
        if data and data[0] == "message" and len(data) > 1 and isinstance(data[1], dict):
            record(("recv", str(data[1].get("body")), clock()))
        return handle_event(self, eio_sid, namespace, id, data)

    local_emit = FanoutManager.emit

    def traced_emit(self, event, data, namespace, room=None, skip_sid=None, callback=None,
                    to=None, **kwargs):
        started = clock()
        local_emit(self, event, data, namespace, room=room, skip_sid=skip_sid,
                   callback=callback, to=to, **kwargs)
        tag = _tag_of(event, data)
        if tag:
            record(("fanout", tag, started, clock()))

    def written(data) -> None:
        """Record a `message` frame or packet written to a socket (direct or by its writer)."""
        if isinstance(data, str):
            data = data.encode()
        head = data.find(b'42["message"', 0, 16)
        if head >= 0:
            at = data.find(b"bench-", head)
            record(("write", data[at:data.find(b"<", at)].decode(), clock()))

    send, try_write = RoomWebSocket.send, RoomWebSocket.try_write

    def traced_send(self, message):
        result = send(self, message)
        written(message)
        return result

    def traced_try_write(self, frame):
        sent = try_write(self, frame)
        if sent == len(frame):
            written(frame)
        return sent

    sio.Server._handle_event = traced_handle_event
    FanoutManager.emit = traced_emit
    RoomWebSocket.send = traced_send
    RoomWebSocket.try_write = traced_try_write

    def state():
        return jsonify({"pid": os.getpid(), "cpu": time.process_time()})

    def trace():
        return jsonify(TRACE)

    app.add_url_rule("/_bench/state", "bench_state", state)
    app.add_url_rule("/_bench/trace", "bench_trace", trace)
    return app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepare_database(folder: Path, clients: int) -> tuple[str, int, list[str]]:
    """A fresh SQLite database with `clients` members (and tokens) and one case."""
    from cop import create_app
    from cop.cases.services import CaseDraft, open_case
    from cop.extensions import db
    from cop.models import ApiToken, Institution, Member

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


def _pin_server() -> None:
    os.sched_setaffinity(0, {SERVER_CPU})


def start_servers(count: int, folder: Path, db_url: str, threads: int, redis_url: str | None,
                  pin: bool) -> tuple[list[subprocess.Popen], list[int]]:
    env = {**os.environ, "COP_DATABASE_URL": db_url, "COP_SEARCH_DIR": str(folder / "search"),
           "COP_DEMO": "0", "SECRET_KEY": "bench"}
    env.pop("COP_REDIS_URL", None)
    if redis_url:
        env["COP_REDIS_URL"] = redis_url
    servers, ports = [], []
    for _ in range(count):
        port = free_port()
        # The production settings (cop/gunicorn_conf.py), with this port and thread count.
        command = [sys.executable, "-m", "gunicorn", "-c", str(REPO / "cop" / "gunicorn_conf.py"),
                   "--threads", str(threads), "-b", f"127.0.0.1:{port}", "--log-level", "error",
                   "--pythonpath", str(REPO / "benchmarks"), "bench_rooms:traced_app()"]
        with (folder / f"server-{port}.log").open("w") as log:  # the child keeps its copy
            servers.append(subprocess.Popen(command, cwd=REPO, env=env, stdout=log,
                                            stderr=subprocess.STDOUT,
                                            preexec_fn=_pin_server if pin else None))
        ports.append(port)
    for port in ports:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                server_get(port, "state")
                break
            except OSError:
                time.sleep(0.2)
    return servers, ports


def server_get(port: int, what: str):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_bench/{what}", timeout=30) as reply:
        return json.load(reply)


# --------------------------------------------------------------------------- client side


class RawClient:
    """One member's WebSocket, Engine.IO v4 / Socket.IO v5 spoken by hand (prefixes only)."""

    def __init__(self, session, url: str, token: str, case_id: int, arrivals: list) -> None:
        self.session, self.url, self.token, self.case_id = session, url, token, case_id
        self.arrivals = arrivals
        self.joined = asyncio.Event()
        self.errors: list[str] = []
        self.last_id = 0

    async def start(self) -> None:
        url = self.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        self.ws = await self.session.ws_connect(url, max_msg_size=0)
        self.reader = asyncio.create_task(self._read())
        await asyncio.wait_for(self.joined.wait(), 60)

    async def _read(self) -> None:
        import aiohttp

        arrivals, ws = self.arrivals, self.ws
        async for frame in ws:
            if frame.type != aiohttp.WSMsgType.TEXT:
                break
            data = frame.data
            if data.startswith('42["message"'):
                at = data.find("bench-", 12)
                arrivals.append((data[at:data.find("<", at)], clock()))
                self._check_order(data)
            elif data == "2":
                await ws.send_str("3")
            elif data.startswith('42["joined"'):
                self.joined.set()
            elif data.startswith("0{"):
                await ws.send_str("40" + json.dumps({"token": self.token}))
            elif data.startswith("40"):
                await self._join()
            elif data.startswith(("44", '42["error"')):
                self.errors.append(data)
                if '"event":"join"' in data.replace(" ", "") and not self.joined.is_set():
                    await asyncio.sleep(0.5)  # e.g. SQLite busy under 500 joins: try again
                    await self._join()

    def _check_order(self, data: str) -> None:
        """Ids must arrive in increasing order, each once (an error otherwise)."""
        at = data.find('"id":') + 5
        message_id = int(data[at:data.find(",", at)])
        if message_id <= self.last_id:
            self.errors.append(f"message {message_id} arrived after {self.last_id}")
        self.last_id = message_id

    async def _join(self) -> None:
        await self.ws.send_str('42["join",' + json.dumps(
            {"case_id": self.case_id, "since": None}) + "]")

    async def send(self, tag: str) -> None:
        await self.ws.send_str('42["message",' + json.dumps(
            {"case_id": self.case_id, "body": tag}) + "]")

    async def stop(self) -> None:
        await self.ws.close()


class SocketIOClient:
    """One member's python-socketio AsyncClient (the heavy, complete client)."""

    def __init__(self, session, url: str, token: str, case_id: int, arrivals: list) -> None:
        import socketio

        self.url, self.token, self.case_id, self.arrivals = url, token, case_id, arrivals
        self.client = socketio.AsyncClient(reconnection=False)
        self.joined = asyncio.Event()
        self.errors: list[str] = []
        self.client.on("joined", self._joined)
        self.client.on("message", self._message)

    async def _joined(self, data) -> None:
        self.joined.set()

    async def _message(self, data) -> None:
        self.arrivals.append((data["html"][3:-4], clock()))

    async def start(self) -> None:
        await self.client.connect(self.url, auth={"token": self.token},
                                  transports=["websocket"], wait_timeout=30)
        await self.client.emit("join", {"case_id": self.case_id, "since": None})
        await asyncio.wait_for(self.joined.wait(), 60)

    async def send(self, tag: str) -> None:
        await self.client.emit("message", {"case_id": self.case_id, "body": tag})

    async def stop(self) -> None:
        await self.client.disconnect()


KINDS = {"raw": RawClient, "socketio": SocketIOClient}


async def open_clients(kind: str, session, urls_tokens: list[tuple[str, str]], case_id: int,
                       arrivals: list) -> list:
    clients = [KINDS[kind](session, url, token, case_id, arrivals) for url, token in urls_tokens]
    for chunk in range(0, len(clients), 50):
        await asyncio.gather(*(c.start() for c in clients[chunk:chunk + 50]))
    return clients


def client_process(conn, kind: str, urls_tokens: list, case_id: int, pin: bool) -> None:
    """A child holding part of the connections; answers "count", "report" and "stop"."""
    if pin:
        os.sched_setaffinity(0, {CLIENT_CPU})
    asyncio.run(_client_process(conn, kind, urls_tokens, case_id))


async def _client_process(conn, kind: str, urls_tokens: list, case_id: int) -> None:
    import aiohttp

    arrivals: list = []
    loop = asyncio.get_running_loop()
    commands: asyncio.Queue = asyncio.Queue()
    loop.add_reader(conn.fileno(), lambda: commands.put_nowait(conn.recv()))
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        clients = await open_clients(kind, session, urls_tokens, case_id, arrivals)
        conn.send("ready")
        while True:
            command = await commands.get()
            if command == "count":
                conn.send(len(arrivals))
            elif command == "cpu":
                conn.send(time.process_time())
            elif command == "report":
                conn.send((arrivals, [e for c in clients for e in c.errors]))
            elif command == "stop":
                break
        await asyncio.gather(*(c.stop() for c in clients), return_exceptions=True)
    loop.remove_reader(conn.fileno())


# --------------------------------------------------------------------------- measurement


def quantile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100)[q - 1]


def machine_busy() -> tuple[float, float]:
    """Busy and total CPU seconds of the whole machine (all processes, all users)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + fields[4]
    return (sum(fields) - idle) / tick, sum(fields) / tick


async def run_scenario(kind: str, procs: int, pin: bool, clients: int, ports: list[int],
                       case_id: int, tokens: list[str], messages: int, burst: int) -> dict:
    import aiohttp

    urls_tokens = [(f"http://127.0.0.1:{ports[n % len(ports)]}", tokens[n])
                   for n in range(clients)]
    senders_at = urls_tokens[:SENDERS]
    shares = [urls_tokens[SENDERS + n::procs] for n in range(procs)]
    context = multiprocessing.get_context("spawn")
    pipes, children = [], []
    started = time.perf_counter()
    for share in shares:
        parent, child = context.Pipe()
        process = context.Process(target=client_process, args=(child, kind, share, case_id, pin))
        process.start()
        pipes.append(parent)
        children.append(process)
        CHILDREN.append(process)
    arrivals: list = []
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    senders = await open_clients(kind, session, senders_at, case_id, arrivals)
    loop = asyncio.get_running_loop()

    def answer(pipe, timeout: float = 30):
        if not pipe.poll(timeout):
            raise TimeoutError("a client process did not answer")
        return pipe.recv()

    async def ask(command: str) -> list:
        def exchange(pipe):
            pipe.send(command)
            return answer(pipe)
        return await asyncio.gather(*(loop.run_in_executor(None, exchange, p) for p in pipes))

    await asyncio.gather(*(loop.run_in_executor(None, answer, p, 120) for p in pipes))  # ready
    connect_seconds = time.perf_counter() - started
    await asyncio.sleep(1)

    sent_at: dict[str, float] = {}

    async def send(n: int) -> None:
        tag = f"bench-{n}"
        sent_at[tag] = clock()
        await senders[n % SENDERS].send(tag)

    async def delivered(expected: int, timeout: float) -> None:
        deadline = clock() + timeout
        while clock() < deadline:
            if sum(await ask("count")) + len(arrivals) >= expected:
                return
            await asyncio.sleep(0.05)

    await send(-1)  # first use loads the anonymiser's lexicons: not measured
    await delivered(clients, 30)

    server_cpu = [server_get(port, "state")["cpu"] for port in ports]
    client_cpu = sum(await ask("cpu")) + time.process_time()
    busy, total = machine_busy()
    for n in range(messages):
        await send(n)
        await asyncio.sleep(0.1)
    await delivered(clients * (1 + messages), 30)
    burst_started = clock()
    await asyncio.gather(*(send(messages + n) for n in range(burst)))
    await delivered(clients * (1 + messages + burst), 60)
    busy, total = [after - before for after, before in zip(machine_busy(), (busy, total),
                                                           strict=True)]
    client_cpu = sum(await ask("cpu")) + time.process_time() - client_cpu
    server_cpu = sum(server_get(port, "state")["cpu"] - before
                     for port, before in zip(ports, server_cpu, strict=True))

    errors = [e for c in senders for e in c.errors]
    for child_arrivals, child_errors in await ask("report"):
        arrivals.extend(child_arrivals)
        errors.extend(child_errors)
    for pipe in pipes:
        pipe.send("stop")
    await asyncio.gather(*(c.stop() for c in senders), return_exceptions=True)
    await session.close()
    for process in children:
        process.join(20)
    trace = [row for port in ports for row in server_get(port, "trace")]
    return summarise(clients, messages, burst, sent_at, burst_started, arrivals, trace, errors,
                     connect_seconds, server_cpu, client_cpu, busy, total)


def summarise(clients, messages, burst, sent_at, burst_started, arrivals, trace, errors,
              connect_seconds, server_cpu, client_cpu, busy, total) -> dict:
    paced = {f"bench-{n}" for n in range(messages)}
    burst_tags = {f"bench-{messages + n}" for n in range(burst)}
    latencies = [(t - sent_at[tag]) * 1000 for tag, t in arrivals if tag in paced]
    writes = [(row[2] - sent_at[row[1]]) * 1000 for row in trace
              if row[0] == "write" and row[1] in paced]
    ingress = [(row[2] - sent_at[row[1]]) * 1000 for row in trace
               if row[0] == "recv" and row[1] in paced]
    fanouts = {}
    for row in trace:
        if row[0] == "fanout" and row[1] in paced:
            fanouts.setdefault(row[1], []).append(row)
    handler = [(min(r[2] for r in rows) - sent_at[tag]) * 1000 for tag, rows in fanouts.items()]
    enqueue = [(r[3] - r[2]) * 1000 for rows in fanouts.values() for r in rows]
    last = max((t for tag, t in arrivals if tag in burst_tags), default=burst_started)
    burst_seconds = last - burst_started
    received = sum(1 for tag, _ in arrivals if tag in burst_tags)
    return {
        "connect_s": connect_seconds,
        "p50_ms": statistics.median(latencies) if latencies else float("nan"),
        "p95_ms": quantile(latencies, 95),
        "max_ms": max(latencies, default=float("nan")),
        "lost": messages * clients - len(latencies) + burst * clients - received,
        "errors": len(errors),
        "error_sample": errors[:3],
        "msgs_per_s": burst / burst_seconds if burst_seconds > 0 else float("nan"),
        "deliveries_per_s": burst * clients / burst_seconds if burst_seconds > 0 else 0,
        "ingress_p50": statistics.median(ingress) if ingress else float("nan"),
        "handler_p50": statistics.median(handler) if handler else float("nan"),
        "enqueue_p50": statistics.median(enqueue) if enqueue else float("nan"),
        "write_p50": statistics.median(writes) if writes else float("nan"),
        "write_p95": quantile(writes, 95),
        "server_cpu": server_cpu,
        "server_cpu_ms": server_cpu * 1000 / (1 + messages + burst),
        "client_cpu": client_cpu,
        "other_cpu": busy - server_cpu - client_cpu,
        "cpus": total,
    }


def scenario(kind: str, procs: int, pin: bool, clients: int, workers: int, messages: int,
             burst: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="cop-bench-rooms-") as tmp:
        folder = Path(tmp)
        db_url, case_id, tokens = prepare_database(folder, clients)
        redis_url = REDIS_URL if workers > 1 else None
        if redis_url:
            import redis

            redis.Redis.from_url(redis_url).flushdb()  # this database is the benchmark's own
        threads = clients // workers + 50
        servers, ports = start_servers(workers, folder, db_url, threads, redis_url, pin)
        try:
            return asyncio.run(asyncio.wait_for(
                run_scenario(kind, procs, pin, clients, ports, case_id, tokens, messages, burst),
                SCENARIO_TIMEOUT))
        finally:
            for process in CHILDREN:
                if process.is_alive():
                    process.kill()
            CHILDREN.clear()
            for server in servers:
                server.terminate()
            for server in servers:
                try:
                    server.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()
            failures = sum(log.read_text().count("room event failed")
                           for log in folder.glob("server-*.log"))
            if failures:
                print(f"({failures} room events failed in the servers during {clients} x "
                      f"{workers}; see their logs)", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[100, 200, 500])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--messages", type=int, default=40, help="paced messages (10 per s)")
    parser.add_argument("--burst", type=int, default=40, help="messages sent all at once")
    parser.add_argument("--client", choices=sorted(KINDS), default="raw")
    parser.add_argument("--procs", type=int, default=2, help="client processes")
    parser.add_argument("--pin", action="store_true",
                        help=f"servers on CPU {SERVER_CPU}, clients on CPU {CLIENT_CPU}")
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.pin:
        os.sched_setaffinity(0, {CLIENT_CPU})
    print(f"cop room fan-out; {os.cpu_count()} CPUs; python-socketio {version('python-socketio')}; "
          f"{args.messages} paced messages (10/s), burst of {args.burst}; {args.client} clients "
          f"in {args.procs}+1 processes{'; pinned' if args.pin else ''}")
    print(f"{'clients':>7} {'workers':>7} {'connect s':>9} {'p50 ms':>7} {'p95 ms':>7} "
          f"{'max ms':>7} {'lost':>5} {'msg/s':>7} {'deliveries/s':>12} | "
          f"{'srv p50':>7} {'srv p95':>7} {'cpu srv/cli/other %':>19}")
    details = []
    for clients in args.clients:
        for workers in args.workers:
            r = scenario(args.client, args.procs, args.pin, clients, workers, args.messages,
                         args.burst)
            shares = "/".join(f"{100 * r[k] / r['cpus']:.0f}"
                              for k in ("server_cpu", "client_cpu", "other_cpu"))
            print(f"{clients:>7} {workers:>7} {r['connect_s']:>9.1f} {r['p50_ms']:>7.1f} "
                  f"{r['p95_ms']:>7.1f} {r['max_ms']:>7.1f} {r['lost']:>5} "
                  f"{r['msgs_per_s']:>7.1f} {r['deliveries_per_s']:>12.0f} | "
                  f"{r['write_p50']:>7.1f} {r['write_p95']:>7.1f} {shares:>19}", flush=True)
            details.append((clients, workers, r))
    print("\nserver side, medians in ms from the send: decoded (ingress), fan-out started "
          "(handler done), time to enqueue the fan-out; server CPU per message; errors")
    for clients, workers, r in details:
        print(f"{clients:>7} {workers:>7} ingress {r['ingress_p50']:6.1f}  handler "
              f"{r['handler_p50']:6.1f}  enqueue {r['enqueue_p50']:6.1f}  cpu/msg "
              f"{r['server_cpu_ms']:6.1f}  errors {r['errors']} {r['error_sample'] or ''}")


if __name__ == "__main__":
    main()
