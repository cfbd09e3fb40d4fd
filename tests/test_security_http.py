"""Headers, cookies, rate limits and account enumeration: what every response promises."""

from __future__ import annotations

import re
import statistics
import time

import pytest
from flask import Flask

from cop.config import ConfigError, load_config
from cop.extensions import db
from tests.conftest import Browser, make_app
from tests.factories import MemberFactory
from tests.test_security_authz import World, make_world

WRONG_PASSWORD = "not the right password"


@pytest.fixture
def world(tmp_path, postgres_schema):
    yield from make_world(tmp_path, postgres_schema)


@pytest.fixture
def limited_app(tmp_path, postgres_schema):
    """Rate limits on (in memory), CSRF off so each attempt is one request."""
    app = make_app(tmp_path, postgres_schema, WTF_CSRF_ENABLED=False)
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def every_get_path(app: Flask, ids: dict[str, object]) -> list[str]:
    paths = ["/no/such/page", "/api/v1/nothing", "/static/css/cop.css", "/cases/999999"]
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and rule.endpoint != "static":
            paths.append(re.sub(r"<(?:\w+:)?(\w+)>",
                                lambda m: str(ids.get(m.group(1), 1)), rule.rule))
    return paths


@pytest.mark.parametrize("role", ["anonymous", "author"])
def test_every_response_carries_the_security_headers(world: World, role):
    browser = world.browser(role)
    responses = [(path, browser.get(path)) for path in every_get_path(world.app, world.ids)]
    responses.append(("POST /api/v1/tokens", browser.post("/api/v1/tokens", json={})))
    responses.append(("POST /login (no token)", browser.post("/login", data={})))
    for where, response in responses:
        policy = response.headers.get("Content-Security-Policy", "")
        directives = dict((d.strip().split(" ", 1) + [""])[:2] for d in policy.split(";"))
        assert "'unsafe-inline'" not in directives.get("script-src", "'unsafe-inline'"), where
        assert "'unsafe-eval'" not in directives.get("script-src", ""), where
        assert directives.get("frame-ancestors") == "'none'", where
        assert directives.get("object-src") == "'none'", where
        assert response.headers.get("X-Content-Type-Options") == "nosniff", where
        assert response.headers.get("X-Frame-Options") == "DENY", where
        response.close()  # static files are streamed from an open file


def _cookie(response, name: str) -> str:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(f"{name}="):
            return header
    raise AssertionError(f"no {name} cookie in {response.headers.getlist('Set-Cookie')}")


def _sign_in(app: Flask) -> object:
    browser = Browser(app.test_client())
    token = browser.csrf_token("/login")
    return browser.post("/login", data={"email": "member1@example.org", "remember": "y",
                                        "password": MemberFactory.PASSWORD, "csrf_token": token})


@pytest.mark.parametrize("production", [False, True])
def test_session_cookies_are_httponly_lax_and_secure_in_production(
    tmp_path, postgres_schema, monkeypatch, production
):
    if production:
        monkeypatch.setenv("COP_PRODUCTION", "1")
        monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    else:
        monkeypatch.delenv("COP_PRODUCTION", raising=False)
    app = make_app(tmp_path, postgres_schema)
    assert app.config["PRODUCTION"] is production
    with app.app_context():
        db.create_all()
        MemberFactory().create(email="member1@example.org")
        response = _sign_in(app)
        assert response.status_code == 302
        for name in ("session", "remember_token"):
            cookie = _cookie(response, name).lower()
            assert "; httponly" in cookie, cookie
            assert "; samesite=lax" in cookie, cookie
            assert ("; secure" in cookie) is production, cookie
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def test_production_refuses_to_start_without_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.setenv("COP_PRODUCTION", "1")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        load_config(tmp_path)


def _statuses(client, count: int, url: str, **kwargs) -> list[int]:
    return [client.post(url, **kwargs).status_code for _ in range(count)]


def test_login_attempts_are_limited_per_address(limited_app):
    client = limited_app.test_client()
    form = {"email": "someone@example.org", "password": WRONG_PASSWORD}
    assert _statuses(client, 10, "/login", data=form) == [200] * 10
    assert client.post("/login", data=form).status_code == 429


def test_login_attempts_on_one_account_are_limited_across_addresses(limited_app):
    client = limited_app.test_client()
    form = {"email": "target@example.org", "password": WRONG_PASSWORD}
    statuses = [client.post("/login", data=form,
                            environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}).status_code
                for n in range(11)]
    assert statuses == [200] * 10 + [429]


def test_api_token_attempts_are_limited(limited_app):
    client = limited_app.test_client()
    body = {"email": "someone@example.org", "password": WRONG_PASSWORD}
    assert _statuses(client, 10, "/api/v1/tokens", json=body) == [401] * 10
    assert client.post("/api/v1/tokens", json=body).status_code == 429


def test_sign_ups_are_limited_on_the_form_and_the_api(limited_app):
    client = limited_app.test_client()
    assert _statuses(client, 5, "/signup", data={}) == [200] * 5
    assert client.post("/signup", data={}).status_code == 429
    assert _statuses(client, 5, "/api/v1/members", json={}) == [400] * 5
    assert client.post("/api/v1/members", json={}).status_code == 429


def _login_errors(response) -> str:
    match = re.search(r'<div class="form-errors".*?</div>', response.get_data(as_text=True), re.S)
    assert match, "the login page should say why"
    return match.group(0)


def test_login_says_the_same_for_an_unknown_email_and_a_wrong_password(limited_app):
    MemberFactory().create(email="known@example.org")
    client = limited_app.test_client()
    unknown = client.post("/login", data={"email": "nobody@example.org",
                                          "password": WRONG_PASSWORD})
    wrong = client.post("/login", data={"email": "known@example.org", "password": WRONG_PASSWORD})
    assert unknown.status_code == wrong.status_code == 200
    assert _login_errors(unknown) == _login_errors(wrong)
    api_unknown = client.post("/api/v1/tokens", json={"email": "nobody@example.org",
                                                      "password": WRONG_PASSWORD})
    api_wrong = client.post("/api/v1/tokens", json={"email": "known@example.org",
                                                    "password": WRONG_PASSWORD})
    assert api_unknown.status_code == api_wrong.status_code == 401
    assert api_unknown.get_json() == api_wrong.get_json()


def test_login_takes_about_as_long_for_an_unknown_email_as_for_a_wrong_password(
    tmp_path, postgres_schema
):
    """Both paths check one password hash of the production kind (scrypt)."""
    app = make_app(tmp_path, postgres_schema, PASSWORD_HASH_METHOD="scrypt",
                   WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    with app.app_context():
        db.create_all()
        MemberFactory().create(email="known@example.org")
        client = app.test_client()

        def median_seconds(email: str) -> float:
            timings = []
            for _ in range(7):
                start = time.perf_counter()
                client.post("/api/v1/tokens", json={"email": email, "password": WRONG_PASSWORD})
                timings.append(time.perf_counter() - start)
            return statistics.median(timings)

        median_seconds("known@example.org")  # warm up
        unknown, wrong = median_seconds("nobody@example.org"), median_seconds("known@example.org")
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    assert abs(unknown - wrong) < 0.35 * max(unknown, wrong), (unknown, wrong)


def test_sign_up_with_a_taken_address_reveals_nothing_about_the_member(limited_app):
    """Open sign-up without email cannot hide that an address is taken (see the report);
    it must not say more than that, and the attempts are rate-limited (above)."""
    MemberFactory().create(email="known@example.org", display_name="Dre Secrète")
    client = limited_app.test_client()
    response = client.post("/api/v1/members", json={
        "email": "Known@Example.org", "password": "a long password 123",
        "display_name": "X", "profession": "nurse", "institution": "CLSC"})
    assert response.status_code == 409
    assert "Secrète" not in response.get_data(as_text=True)
