"""End-to-end fixtures: a real cop server process and Debian's Chromium driven by Playwright.

The server is `python -m cop.serve` on a free port, with a temporary SQLite database migrated
by `flask db upgrade` and no demo data. Chromium is never downloaded: /usr/bin/chromium must be
installed (`.ci/run` installs it). Without it the tests are skipped, except under CI=true where
they fail. On failure, screenshots of every open page go to test-results/, and the server's
log always goes to test-results/e2e-server.log.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.services import service_missing

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "test-results"
CHROMIUM = os.environ.get("COP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, server: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"cop server exited:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"cop server did not answer at {url}:\n{log.read_text()[-3000:]}")


class Server:
    """The running cop server: its address, and the environment it was started with."""

    def __init__(self, url: str, env: dict[str, str]) -> None:
        self.url = url
        self.env = env

    def flask(self, *args: str) -> subprocess.CompletedProcess:
        """Run `flask --app wsgi ARGS` against the server's database (e.g. `cop make-moderator`)."""
        done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=REPO,
                              env=self.env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}"
        return done


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Iterator[Server]:
    """Migrate a fresh SQLite database and serve cop on a free port for the whole session."""
    root = tmp_path_factory.mktemp("e2e-server")
    port = _free_port()
    env = {
        **os.environ,
        "COP_DATABASE_URL": f"sqlite:///{root / 'cop.db'}",
        "COP_SEARCH_DIR": str(root / "search"),
        "COP_DEMO": "0",
        "COP_REDIS_URL": "",
        "COP_PRODUCTION": "0",
        "SECRET_KEY": "e2e-secret",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "FLASK_APP": "wsgi",
        "PYTHONWARNINGS": "ignore",
    }
    subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=REPO, env=env,
                   check=True, capture_output=True, timeout=120)
    log = root / "server.log"
    with log.open("w") as output:
        process = subprocess.Popen([sys.executable, "-m", "cop.serve"], cwd=REPO, env=env,
                                   stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url + "/login", process, log)
        yield Server(url, env)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "e2e-server.log").write_text(log.read_text())


@pytest.fixture(scope="session")
def server_url(server: Server) -> str:
    return server.url


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """Debian's Chromium, headless, launched once for the session."""
    if not Path(CHROMIUM).exists():
        service_missing(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        service_missing("playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                             headless=True)
        yield browser
        browser.close()


class Contexts:
    """Browser contexts (one per member) opened by a test module, for screenshots and cleanup."""

    def __init__(self, browser, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.opened: list = []

    def new_page(self, locale: str = "fr-CA"):
        context = self.browser.new_context(base_url=self.base_url, locale=locale)
        context.set_default_timeout(15_000)
        self.opened.append(context)
        return context.new_page()

    def screenshot(self, name: str) -> list[Path]:
        RESULTS.mkdir(exist_ok=True)
        shots = []
        for number, context in enumerate(self.opened):
            for index, page in enumerate(context.pages):
                path = RESULTS / f"{name}-member{number}-page{index}.png"
                page.screenshot(path=str(path), full_page=True)
                shots.append(path)
        return shots

    def close(self) -> None:
        for context in self.opened:
            context.close()


@pytest.fixture(scope="module")
def contexts(request, chromium, server_url) -> Iterator[Contexts]:
    opened = Contexts(chromium, server_url)
    request.node.cop_contexts = opened
    yield opened
    opened.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep screenshots of every open page when a step fails; skip the steps after it."""
    report = yield
    if report.when == "call" and report.failed:
        module = item.getparent(pytest.Module)
        opened = getattr(module, "cop_contexts", None)
        if opened is not None:
            name = re.sub(r"[^\w.-]+", "_", item.nodeid.split("::")[-1])
            shots = opened.screenshot(name)
            report.sections.append(("screenshots", "\n".join(map(str, shots))))
        module.cop_failed_step = item.name
    return report


def pytest_runtest_setup(item):
    module = item.getparent(pytest.Module)
    failed = getattr(module, "cop_failed_step", None) if module else None
    if failed and "e2e" in str(item.path):
        pytest.skip(f"the earlier step {failed} failed")
