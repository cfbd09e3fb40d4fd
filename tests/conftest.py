"""Fixtures: one app per test, a client, members, and a browser-like form helper."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text

from cop import create_app
from cop.extensions import db
from tests.factories import MemberFactory

TEST_DATABASE_URL = os.environ.get("COP_TEST_DATABASE_URL", "")


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[str | None]:
    """With COP_TEST_DATABASE_URL (PostgreSQL), a fresh schema for this run, dropped after."""
    if not TEST_DATABASE_URL.startswith("postgresql"):
        yield None
        return
    schema = f"cop_test_{uuid.uuid4().hex[:10]}"
    engine = create_engine(TEST_DATABASE_URL)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield schema
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def database_settings(tmp_path, schema: str | None) -> dict:
    if schema is None:
        return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'cop.db'}"}
    # The schema travels in the URL, so server processes started by tests use it too.
    url = make_url(TEST_DATABASE_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    return {"SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False)}


def app_settings(tmp_path, schema: str | None, **extra) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SEARCH_DIR": str(tmp_path / "search"),
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "PROPAGATE_UNEXPECTED": True,
        "DEMO_DATA": False,
        "REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": "memory://",
        # Always explicit: the Limiter singleton keeps the previous app's value otherwise.
        "RATELIMIT_ENABLED": True,
        **database_settings(tmp_path, schema),
        **extra,
    }


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    The test itself holds an app context (for services and factories); without this, flask.g
    and the database session of that context would leak into the requests.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def make_app(tmp_path, schema: str | None, **extra) -> Flask:
    app = create_app(app_settings(tmp_path, schema, **extra))
    app.test_client_class = IsolatedClient
    return app


@contextmanager
def fresh_app(tmp_path, schema: str | None, **extra) -> Iterator[Flask]:
    """An app with its tables created, inside its app context; dropped on the way out."""
    app = make_app(tmp_path, schema, **extra)
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def app(tmp_path, postgres_schema) -> Iterator[Flask]:
    """A fresh app and database; an app context is pushed for service-level tests."""
    with fresh_app(tmp_path, postgres_schema) as app:
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def members(app: Flask) -> MemberFactory:
    return MemberFactory()


CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                        r'name="csrf_token" value="([^"]+)"')


class Browser:
    """Drive the HTML pages the way a member does: read the form's CSRF token, then post."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url: str, **kwargs):
        return self.client.post(url, **kwargs)

    def csrf_token(self, page_url: str) -> str:
        page = self.get(page_url)
        match = CSRF_FIELD.search(page.get_data(as_text=True))
        assert match, f"no CSRF token on {page_url} (status {page.status_code})"
        return match.group(1) or match.group(2)

    def submit(self, page_url: str, data: dict, action: str | None = None, **kwargs):
        """Post `data` to the form found at `page_url` (to `action` when it differs)."""
        token = self.csrf_token(page_url)
        return self.post(action or page_url, data={**data, "csrf_token": token}, **kwargs)

    def login(self, email: str, password: str = MemberFactory.PASSWORD):
        response = self.submit("/login", {"email": email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return response

    def logout(self):
        return self.submit("/", {}, action="/logout")


@pytest.fixture
def browser(client: FlaskClient) -> Browser:
    return Browser(client)


@pytest.fixture
def other_browser(app: Flask) -> Browser:
    """A second member's browser, with its own cookies."""
    return Browser(app.test_client())
