"""Every hostile vector, through every way a member can write text, renders to inert pages.

tests/test_rendering.py checks the sanitiser itself; this file checks the entry points: case
sections (HTML form and API), replies, syntheses and the profile bio. Each vector is sent as
a member would: when the anonymiser finds something, the findings page is checked too, then
the author insists so the text is stored (held), and both the author's page and the JSON API
are checked. A page is inert when it holds no script but the app's own `/static/` files, no
`on*` attribute, no `javascript:`/`data:`/`vbscript:` URL and no element that loads or runs
foreign content.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from flask import Flask

from cop.extensions import db
from tests.conftest import Browser, make_app
from tests.factories import MemberFactory
from tests.test_rendering import VECTORS

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "poster",
                  "background", "lowsrc", "dynsrc", "ping", "cite", "codebase", "srcset",
                  "longdesc", "usemap", "manifest", "icon", "content"}
FORBIDDEN_TAGS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "svg",
                  "math", "style", "template", "portal", "noscript", "xmp", "plaintext"}
DANGEROUS_SCHEMES = ("javascript:", "data:", "vbscript:", "livescript:")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


class ExecutableContent(HTMLParser):
    """Collect whatever in a page could run script or load foreign active content."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "script":
            self._in_script = True
            if not values.get("src", "").startswith("/static/"):
                self.problems.append(f"<script {values}>")
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}>")
        if tag == "link" and not (values.get("rel") == "stylesheet"
                                  and values.get("href", "").startswith("/static/")):
            self.problems.append(f"<link {values}>")
        if tag == "meta" and "http-equiv" in values:
            self.problems.append(f"<meta http-equiv={values['http-equiv']!r}>")
        for name, value in values.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name == "srcdoc":
                self.problems.append(f"<{tag} srcdoc>")
            if name in URL_ATTRIBUTES:
                folded = _INVISIBLE.sub("", value).lower()
                if folded.startswith(DANGEROUS_SCHEMES):
                    self.problems.append(f"<{tag} {name}={value[:40]!r}>")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append(f"inline script {data[:40]!r}")


def executable_content(html: str) -> list[str]:
    parser = ExecutableContent()
    parser.feed(html)
    parser.close()
    return parser.problems


def assert_inert(response, where: str, vector: str) -> None:
    assert response.status_code < 500, f"{where}: {response.status_code} for {vector!r}"
    if response.mimetype == "text/html":
        problems = executable_content(response.get_data(as_text=True))
        assert not problems, f"{where} with vector {vector!r}: {problems}"


def assert_api_inert(data: object, where: str, vector: str) -> None:
    """Every `html`/`*_html` field of a JSON answer must be inert markup."""
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str) and (key == "html" or key.endswith("_html")):
                problems = executable_content(value)
                assert not problems, f"{where} field {key} with vector {vector!r}: {problems}"
            else:
                assert_api_inert(value, where, vector)
    elif isinstance(data, list):
        for item in data:
            assert_api_inert(item, where, vector)


def test_the_checker_sees_what_a_browser_would_run():
    assert executable_content('<script src="/static/js/check.js"></script>') == []
    assert executable_content("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>") == []
    assert executable_content("<script>alert(1)</script>")
    assert executable_content('<img src=x onerror="alert(1)">')
    assert executable_content('<a href=" jav&#x09;ascript:alert(1)">x</a>')
    assert executable_content('<a href="data:text/html,<script>">x</a>')
    assert executable_content("<svg><animate onbegin=alert(1)>")
    assert executable_content('<iframe srcdoc="<script>alert(1)</script>">')


class Author:
    """A signed-in member who writes through the HTML forms, insisting when findings appear."""

    def __init__(self, app: Flask, email: str) -> None:
        self.browser = Browser(app.test_client())
        self.browser.login(email)
        self.token = self.browser.csrf_token("/")

    def send(self, url: str, data: dict, vector: str):
        """Post the form; when the findings page comes back, check it, then insist."""
        form = {**data, "csrf_token": self.token}
        response = self.browser.post(url, data=form)
        assert_inert(response, f"POST {url}", vector)
        if response.status_code == 200 and 'class="findings"' in response.get_data(as_text=True):
            response = self.browser.post(url, data={**form, "insist": "1",
                                                    "held_reason": "Not identifying."})
            assert_inert(response, f"POST {url} (insisting)", vector)
        return response

    def view(self, url: str, vector: str):
        response = self.browser.get(url)
        assert response.status_code == 200, f"GET {url}: {response.status_code}"
        assert_inert(response, f"GET {url}", vector)
        return response


@pytest.fixture
def xss_app(tmp_path, postgres_schema):
    app = make_app(tmp_path, postgres_schema, RATELIMIT_ENABLED=False)
    with app.app_context():
        db.create_all()
        members = MemberFactory()
        author = members.create(institution="CLSC des Rivières")
        reader = members.create(institution="Hôpital du Nord")
        yield app, author, reader
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


CASE_FIELDS = {"language": "fr", "consent_basis": "deidentified", "tags": "xss"}
CLEAN_SITUATION = "Une personne suivie depuis longtemps refuse les visites à domicile."


def _case_id(response) -> int | None:
    match = re.search(r"/cases/(\d+)", response.headers.get("Location", ""))
    return int(match.group(1)) if match else None


def _open_clean_case(author: Author) -> int:
    response = author.send("/cases/new", {**CASE_FIELDS, "title": "Un cas propre",
                                          "situation": CLEAN_SITUATION}, "")
    case_id = _case_id(response)
    assert case_id, "a clean case should be published"
    return case_id


def test_case_sections_through_the_form_render_inert(xss_app):
    app, member, reader_member = xss_app
    author, reader = Author(app, member.email), Author(app, reader_member.email)
    refused = []
    for vector in VECTORS:
        data = {**CASE_FIELDS, "title": ("XSS " + vector)[:160], "situation": vector,
                "tried": vector, "stuck": vector, "question": vector}
        case_id = _case_id(author.send("/cases/new", data, vector))
        if case_id is None:
            refused.append(vector)  # invalid input, shown back on the form: nothing stored
            continue
        author.view(f"/cases/{case_id}", vector)
        reader_view = reader.browser.get(f"/cases/{case_id}")
        assert_inert(reader_view, "the case page seen by another member", vector)
        api = author.browser.get(f"/api/v1/cases/{case_id}")  # no token: refused, still JSON
        assert api.mimetype == "application/json"
    page = 1
    while True:
        listing = reader.view(f"/?page={page}", "(case list)")
        if 'rel="next"' not in listing.get_data(as_text=True):
            break
        page += 1
    assert all("\x00" in vector or not vector.strip() for vector in refused), refused


def test_syntheses_render_inert(xss_app):
    app, member, _ = xss_app
    author = Author(app, member.email)
    for vector in VECTORS:
        case_id = _open_clean_case(author)
        author.send(f"/cases/{case_id}/resolve",
                    {"helped": vector, "did_not_help": vector, "open_questions": vector}, vector)
        author.view(f"/cases/{case_id}", vector)


def test_replies_render_inert(xss_app):
    app, member, reader_member = xss_app
    author, reader = Author(app, member.email), Author(app, reader_member.email)
    case_id = _open_clean_case(author)
    for vector in VECTORS:
        response = author.send(f"/cases/{case_id}/replies", {"body": vector}, vector)
        post = re.search(r"#post-(\d+)", response.headers.get("Location", ""))
        if post:
            author.view(f"/posts/{post.group(1)}/history", vector)
            author.view(f"/posts/{post.group(1)}/edit", vector)
    author.view(f"/cases/{case_id}", "(all replies, author's view)")
    reader.view(f"/cases/{case_id}", "(all replies, another member's view)")
    reader.view("/notifications/", "(notifications)")
    author.view("/notifications/", "(notifications)")
    author.view(f"/members/{member.id}", "(profile activity)")


def test_profile_bio_is_plain_text(xss_app):
    app, member, reader_member = xss_app
    author, reader = Author(app, member.email), Author(app, reader_member.email)
    profile = {"display_name": "Membre", "profession": "social_worker", "sector": "primary_care",
               "institution": "CLSC des Rivières", "locale": "fr"}
    for vector in VECTORS:
        author.send("/profile", {**profile, "bio": vector}, vector)
        reader.view(f"/members/{member.id}", vector)


def test_cases_and_replies_through_the_api_render_inert(xss_app):
    app, member, reader_member = xss_app
    client = app.test_client()
    token = client.post("/api/v1/tokens", json={"email": member.email,
                                                "password": MemberFactory.PASSWORD})
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    author = Author(app, member.email)
    reply_to = _open_clean_case(author)
    for vector in VECTORS:
        created = client.post("/api/v1/cases", headers=headers, json={
            "title": ("XSS " + vector)[:160], "body": vector,
            "acknowledge_findings": "Not identifying."})
        assert created.status_code in (201, 400), f"{created.status_code} for {vector!r}"
        assert_api_inert(created.get_json(), "POST /api/v1/cases", vector)
        if created.status_code == 201:
            case_id = created.get_json()["id"]
            shown = client.get(f"/api/v1/cases/{case_id}", headers=headers)
            assert shown.status_code == 200
            assert_api_inert(shown.get_json(), "GET /api/v1/cases/<id>", vector)
            author.view(f"/cases/{case_id}", vector)
        replied = client.post(f"/api/v1/cases/{reply_to}/posts", headers=headers,
                              json={"body": vector, "acknowledge_findings": "Not identifying."})
        assert replied.status_code in (201, 400), f"{replied.status_code} for {vector!r}"
        assert_api_inert(replied.get_json(), "POST /api/v1/cases/<id>/posts", vector)
    shown = client.get(f"/api/v1/cases/{reply_to}", headers=headers)
    assert_api_inert(shown.get_json(), "GET /api/v1/cases/<id>", "(all replies)")
    author.view(f"/cases/{reply_to}", "(all API replies)")
    search = client.get("/api/v1/search?q=alert", headers=headers)
    assert_api_inert(search.get_json(), "GET /api/v1/search", "(search)")
