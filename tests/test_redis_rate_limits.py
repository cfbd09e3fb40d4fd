"""Rate limits live in Redis when COP_REDIS_URL is set, so every instance shares them.

Two app instances are two processes (as under gunicorn): this test process, and a child that
makes its attempts first. The tests use a dedicated Redis database (COP_TEST_REDIS_URL,
default db 15) and a key prefix of their own, and remove only their keys. Without Redis they
are skipped on a workstation and fail under CI=true.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis

from cop.config import load_config
from cop.extensions import db
from tests.conftest import make_app
from tests.services import service_missing

REDIS_URL = os.environ.get("COP_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REPO = Path(__file__).resolve().parent.parent

CHILD = """
import json, sys
from pathlib import Path
from tests.conftest import make_app
args = json.loads(sys.argv[1])
app = make_app(Path(args["tmp"]), args["schema"], **args["settings"])
client = app.test_client()
body = {"email": "someone@example.org", "password": "not the right password"}
print(json.dumps([client.post("/api/v1/tokens", json=body).status_code
                  for _ in range(args["attempts"])]))
"""


@pytest.fixture
def redis_prefix():
    """A key prefix in the test database, its keys deleted afterwards."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        service_missing(f"no Redis at {REDIS_URL}: {error}")
    prefix = f"cop-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    for key in client.scan_iter(match=f"*{prefix}*"):
        client.delete(key)
    client.close()


def limit_settings(storage: str, prefix: str) -> dict:
    return {
        "RATELIMIT_STORAGE_URI": storage,
        "RATELIMIT_KEY_PREFIX": prefix,
        "LOGIN_RATE_LIMIT": "4 per minute",
        "WTF_CSRF_ENABLED": False,
    }


def attempts_in_another_process(tmp_path, schema, settings: dict, attempts: int) -> list[int]:
    args = {"tmp": str(tmp_path), "schema": schema, "settings": settings, "attempts": attempts}
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    result = subprocess.run([sys.executable, "-c", CHILD, json.dumps(args)], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def shared_attempts(tmp_path, postgres_schema, storage: str, prefix: str) -> tuple[list, list]:
    settings = limit_settings(storage, prefix)
    app = make_app(tmp_path, postgres_schema, **settings)
    with app.app_context():
        db.create_all()
        try:
            first = attempts_in_another_process(tmp_path, postgres_schema, settings, 3)
            client = app.test_client()
            body = {"email": "someone@example.org", "password": "not the right password"}
            second = [client.post("/api/v1/tokens", json=body).status_code for _ in range(2)]
        finally:
            db.session.remove()
            db.drop_all()
            db.engine.dispose()
    return first, second


def test_cop_redis_url_sets_the_rate_limit_storage(tmp_path, monkeypatch):
    monkeypatch.setenv("COP_REDIS_URL", REDIS_URL)
    settings = load_config(tmp_path)
    assert settings["RATELIMIT_STORAGE_URI"] == REDIS_URL
    assert settings["REDIS_URL"] == REDIS_URL


def test_two_instances_on_one_redis_share_the_login_limit(tmp_path, postgres_schema,
                                                          redis_prefix):
    first, second = shared_attempts(tmp_path, postgres_schema, REDIS_URL, redis_prefix)
    assert first == [401, 401, 401]
    assert second == [401, 429], "the 5th attempt, on the other instance, must be refused"


def test_instances_with_memory_storage_do_not_share(tmp_path, postgres_schema, redis_prefix):
    """The control: without Redis each process counts alone (why production needs Redis)."""
    first, second = shared_attempts(tmp_path, postgres_schema, "memory://", redis_prefix)
    assert first == [401, 401, 401]
    assert second == [401, 401]
