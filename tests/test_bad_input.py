"""No route answers 500 to bad input: every URL × bad ids, missing fields, wrong types, size."""

from __future__ import annotations

import re

import pytest

from tests.conftest import Browser, fresh_app
from tests.factories import MemberFactory, make_case, make_reply

BAD_IDS = ["999999", "0"]
GARBAGE_FORMS = [
    {},
    {"title": "", "body": "", "email": "", "password": ""},
    {"title": "x" * 5000, "body": "y" * 30_000, "situation": "\x00\x01", "tags": "," * 500},
    {"profession": "astronaut", "sector": ["a", "b"], "language": "zz", "consent_basis": "?",
     "professions_involved": "nope", "page": "-1", "stop": "1", "next": "//evil.example"},
]
GARBAGE_JSON = [None, [], "text", 12, {"title": 5, "body": {"x": 1}, "tags": [None]},
                {"text": "\ud800" * 3}]


@pytest.fixture
def fuzz_app(tmp_path, postgres_schema):
    """CSRF off, so garbage reaches the handlers themselves (CSRF has its own tests)."""
    with fresh_app(tmp_path, postgres_schema, WTF_CSRF_ENABLED=False,
                   RATELIMIT_ENABLED=False) as app:
        members = MemberFactory()
        author, other = members.create(), members.create()
        make_reply(other, make_case(author))
        yield app, author


def concrete_urls(app, real_id: str) -> list[tuple[str, set[str]]]:
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for value in [real_id, *BAD_IDS]:
            path = re.sub(r"<int:\w+>", value, rule.rule)
            path = re.sub(r"<(?:string:)?\w+>", "zz", path)
            urls.append((path, set(rule.methods) - {"HEAD", "OPTIONS"}))
    return urls


def assert_no_server_error(response, method, url):
    assert response.status_code < 500, f"{method} {url} -> {response.status_code}"


@pytest.mark.parametrize("signed_in", [False, True])
def test_every_route_survives_bad_input(fuzz_app, signed_in):
    app, author = fuzz_app
    browser = Browser(app.test_client())
    if signed_in:
        browser.post("/login", data={"email": author.email, "password": MemberFactory.PASSWORD})
    for url, methods in concrete_urls(app, "1"):
        if url in ("/logout",):
            continue
        if "GET" in methods:
            for query in ("", "?page=abc&sort=%00&tag=" + "x" * 3000 + "&q=%22(&status=zz"):
                assert_no_server_error(browser.get(url + query), "GET", url + query)
        if "POST" in methods:
            for form in GARBAGE_FORMS:
                assert_no_server_error(browser.post(url, data=form), "POST", url)
            for payload in GARBAGE_JSON:
                response = browser.post(url, json=payload,
                                        headers={"Authorization": "Bearer nope"})
                assert_no_server_error(response, "POST json", url)
            response = browser.post(url, data=b"\xff\xfe\x00garbage",
                                    content_type="application/json")
            assert_no_server_error(response, "POST bytes", url)


def test_oversized_bodies_get_413(fuzz_app):
    app, _ = fuzz_app
    client = app.test_client()
    big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 10)
    assert client.post("/api/v1/anonymise", json={"text": big}).status_code == 413
    assert client.post("/signup", data={"display_name": big}).status_code == 413


def test_unknown_pages_get_a_404_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404 and "<html" in response.get_data(as_text=True)
    assert client.get("/api/v1/nothing").get_json()["error"]
