"""HTTP load on the production path: gunicorn + PostgreSQL, driven on 127.0.0.1.

`make bench-http` (needs COP_BENCH_DATABASE_URL, a PostgreSQL URL; the Makefile passes the
test database). The script creates a dedicated schema, migrates it with `flask db upgrade`,
fills it through the app's services (50 cases, one of them with 200 replies), starts one
gunicorn instance (1 worker, threads) and drives each scenario for BENCH_SECONDS (20) with
wrk (Debian's package) or, without wrk, a Python thread pool. It prints requests/s, p50/p95
latency and errors per scenario, writes them to benchmarks/results/, and fails on any error.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parent.parent
SECONDS = int(os.environ.get("BENCH_SECONDS", "20"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
THREADS = os.environ.get("BENCH_SERVER_THREADS", "8")
PASSWORD = "bench password 2026"

FILL = """
import json
from cop import create_app
from cop.auth.services import MemberDetails, issue_token, sign_up
from cop.cases.services import CaseDraft, open_case, reply
app = create_app()
with app.app_context():
    author = sign_up("author@bench.example", PASSWORD,
                     MemberDetails("Autrice", "psychiatrist", "CLSC des Rivières", "primary_care"))
    other = sign_up("other@bench.example", PASSWORD,
                    MemberDetails("Autre", "nurse", "Hôpital du Nord", "hospital"))
    topics = ["lithium", "psychose", "itinérance", "adolescence", "anxiété"]
    for number in range(50):
        topic = topics[number % len(topics)]
        open_case(author, CaseDraft(
            title=f"Cas {number}: {topic} et refus de suivi",
            sections={"situation": f"Une personne suivie pour {topic} refuse le suivi proposé "
                                   "depuis plusieurs mois, malgré un lien de confiance.",
                      "question": "Qu'est-ce qui a aidé ailleurs ?"},
            tags=[topic]))
    busy = open_case(author, CaseDraft(
        title="Un fil très actif sur le lithium",
        sections={"situation": "Arrêts répétés du lithium chaque printemps."}, tags=["lithium"]))
    for number in range(200):
        reply(other, busy, f"Réponse {number} : un plan de crise rédigé en période stable, "
                           "avec la pharmacie et la famille, a aidé **plusieurs fois**.")
    print(json.dumps({"busy_case": busy.id, "token": issue_token(other)}))
""".replace("PASSWORD", repr(PASSWORD))

WRK_SCRIPT = """
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
               + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT %d %f %f %f %d\\n", summary.requests,
           summary.duration / 1e6, latency:percentile(50) / 1e3,
           latency:percentile(95) / 1e3, errors))
end
"""


@dataclass
class Result:
    scenario: str
    path: str
    requests: int
    requests_per_s: float
    p50_ms: float
    p95_ms: float
    errors: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def with_search_path(url: str, schema: str) -> str:
    """The same PostgreSQL URL, with every connection's search_path set to `schema`."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query)
    query.append(("options", f"-csearch_path={schema}"))
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def wait_until_up(url: str, server: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited early")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer at {url}")


def session_cookie(base: str) -> str:
    """Sign in through the login form and return the session cookie header."""
    http = requests.Session()
    page = http.get(f"{base}/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    answer = http.post(f"{base}/login", allow_redirects=False, data={
        "email": "author@bench.example", "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 302, answer.status_code
    return "; ".join(f"{name}={value}" for name, value in http.cookies.items())


def run_wrk(name: str, url: str, headers: dict[str, str], script: Path) -> Result:
    command = ["wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", f"{SECONDS}s", "--timeout", "10s",
               "-s", str(script)]
    for header, value in headers.items():
        command += ["-H", f"{header}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    count, duration, p50, p95, errors = re.search(r"RESULT (\S+) (\S+) (\S+) (\S+) (\S+)",
                                                  output).groups()
    return Result(name, urllib.parse.urlsplit(url).path, int(count),
                  round(int(count) / float(duration), 1), round(float(p50), 2),
                  round(float(p95), 2), int(errors))


def run_pool(name: str, url: str, headers: dict[str, str]) -> Result:
    """Without wrk: CONNECTIONS threads, each with its own keep-alive session."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + SECONDS

    def work() -> None:
        nonlocal errors
        http = requests.Session()
        while time.monotonic() < stop:
            start = time.perf_counter()
            try:
                ok = http.get(url, headers=headers, timeout=10).status_code == 200
            except requests.RequestException:
                ok = False
            with lock:
                latencies.append(time.perf_counter() - start)
                errors += not ok

    began = time.monotonic()
    with ThreadPoolExecutor(CONNECTIONS) as pool:
        for _ in range(CONNECTIONS):
            pool.submit(work)
    elapsed = time.monotonic() - began
    cuts = statistics.quantiles(latencies, n=100)
    return Result(name, urllib.parse.urlsplit(url).path, len(latencies),
                  round(len(latencies) / elapsed, 1), round(cuts[49] * 1e3, 2),
                  round(cuts[94] * 1e3, 2), errors)


def main() -> int:
    database = os.environ.get("COP_BENCH_DATABASE_URL", "")
    if not database.startswith("postgresql"):
        raise SystemExit("set COP_BENCH_DATABASE_URL to a PostgreSQL URL")
    schema = f"cop_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(database)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    workdir = Path(tempfile.mkdtemp(prefix="cop-bench-"))
    port = free_port()
    env = {**os.environ, "COP_DATABASE_URL": with_search_path(database, schema),
           "COP_SEARCH_DIR": str(workdir / "search"), "COP_DEMO": "0",
           # COP_PRODUCTION would mark cookies Secure, and this load runs over plain http.
           "COP_PRODUCTION": "0",
           "SECRET_KEY": uuid.uuid4().hex, "FLASK_APP": "wsgi", "HOST": "127.0.0.1",
           "PORT": str(port), "COP_THREADS": THREADS, "PYTHONWARNINGS": "ignore"}
    server = None
    try:
        began = time.monotonic()
        subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=REPO, env=env,
                       check=True, capture_output=True)
        filled = subprocess.run([sys.executable, "-c", FILL], cwd=REPO, env=env, check=True,
                                capture_output=True, text=True)
        data = json.loads(filled.stdout.strip().splitlines()[-1])
        print(f"schema {schema} migrated and filled in {time.monotonic() - began:.1f} s")
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "cop/gunicorn_conf.py"],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        wait_until_up(f"{base}/login", server)
        cookie = {"Cookie": session_cookie(base)}
        bearer = {"Authorization": f"Bearer {data['token']}"}
        scenarios = [
            ("case list (signed in)", f"{base}/", cookie),
            ("case page, 200 replies (signed in)", f"{base}/cases/{data['busy_case']}", cookie),
            ("search API (token)", f"{base}/api/v1/search?q=lithium+crise", bearer),
            ("landing page (visitor)", f"{base}/", {}),
        ]
        for _, url, headers in scenarios:  # every scenario must answer 200 before timing it
            status = requests.get(url, headers=headers, allow_redirects=False).status_code
            assert status == 200, f"{url}: {status}"
        script = workdir / "report.lua"
        script.write_text(WRK_SCRIPT)
        driver = "wrk" if shutil.which("wrk") else "python thread pool"
        print(f"gunicorn 1 worker x {THREADS} threads; {driver}, {CONNECTIONS} connections, "
              f"{SECONDS} s per scenario")
        results = [run_wrk(*s, script) if driver == "wrk" else run_pool(*s) for s in scenarios]
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"{'scenario':38} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}")
    for result in results:
        print(f"{result.scenario:38} {result.requests_per_s:8.1f} {result.p50_ms:8.2f} "
              f"{result.p95_ms:8.2f} {result.errors:7d}")
    out = REPO / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    record = out / f"http-{time.strftime('%Y%m%d-%H%M%S')}.json"
    record.write_text(json.dumps({"driver": driver, "seconds": SECONDS, "threads": THREADS,
                                  "connections": CONNECTIONS,
                                  "results": [asdict(r) for r in results]}, indent=2))
    print(f"recorded in {record.relative_to(REPO)}")
    return 1 if any(result.errors for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
