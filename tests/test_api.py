"""The JSON API v1 contract of shared/API.md."""

from __future__ import annotations

import pytest

MEMBER = {"email": "api@example.org", "password": "a long enough password",
          "display_name": "Alex Martin", "profession": "social_worker",
          "institution": "CLSC des Rivières"}


@pytest.fixture
def token(client):
    assert client.post("/api/v1/members", json=MEMBER).status_code == 201
    response = client.post("/api/v1/tokens", json={"email": MEMBER["email"],
                                                   "password": MEMBER["password"]})
    assert response.status_code == 201
    return response.get_json()["token"]


@pytest.fixture
def auth(token):
    return {"Authorization": f"Bearer {token}"}


def other_auth(client, email="other@example.org"):
    client.post("/api/v1/members", json={**MEMBER, "email": email, "display_name": "Autre"})
    token = client.post("/api/v1/tokens", json={"email": email,
                                                "password": MEMBER["password"]}).get_json()
    return {"Authorization": f"Bearer {token['token']}"}


def test_open_sign_up_returns_the_member_without_secrets(client):
    response = client.post("/api/v1/members", json=MEMBER)
    body = response.get_json()
    assert response.status_code == 201
    assert body["display_name"] == "Alex Martin" and body["institution"] == "CLSC des Rivières"
    assert "password" not in str(body) and "email" not in body


def test_wrong_credentials_get_401_json(client):
    response = client.post("/api/v1/tokens", json={"email": "x@example.org", "password": "y"})
    assert response.status_code == 401 and "error" in response.get_json()


def test_anonymise_reports_findings_and_redacted_text(client):
    response = client.post("/api/v1/anonymise", json={"text": "Appelez le 514-555-0199."})
    body = response.get_json()
    assert response.status_code == 200
    assert [f["kind"] for f in body["findings"]] == ["PHONE"]
    assert body["findings"][0]["text"] == "514-555-0199"
    assert "514-555-0199" not in body["redacted"]


def test_a_clean_case_is_published(client, auth):
    response = client.post("/api/v1/cases", headers=auth, json={
        "title": "Refus de soins répétés", "body": "Une femme refuse toute visite.",
        "tags": ["refus", "domicile"]})
    body = response.get_json()
    assert response.status_code == 201
    assert body["status"] == "published" and body["tags"] == ["domicile", "refus"]
    assert body["posts"][0]["body"] == "Une femme refuse toute visite."
    assert "findings" not in body


def test_a_case_with_identifiers_is_held_with_findings(client, auth):
    response = client.post("/api/v1/cases", headers=auth, json={
        "title": "Refus", "body": "Mme Julie Tremblay, tél. 514-555-0199, refuse."})
    body = response.get_json()
    assert response.status_code == 201 and body["status"] == "held"
    assert {"PERSON", "PHONE"} <= {f["kind"] for f in body["findings"]}

    case_id = body["id"]
    assert client.get(f"/api/v1/cases/{case_id}", headers=auth).status_code == 200
    assert client.get(f"/api/v1/cases/{case_id}", headers=other_auth(client)).status_code == 404


def test_get_case_shows_posts_with_markdown_and_sanitised_html(client, auth):
    case = client.post("/api/v1/cases", headers=auth, json={
        "title": "Cas", "body": "**gras** <script>alert(1)</script>"}).get_json()
    reply = client.post(f"/api/v1/cases/{case['id']}/posts", headers=other_auth(client),
                        json={"body": "Une *idée*."})
    assert reply.status_code == 201 and reply.get_json()["status"] == "published"

    body = client.get(f"/api/v1/cases/{case['id']}", headers=auth).get_json()
    assert [p["kind"] for p in body["posts"]] == ["case", "reply"]
    assert "<strong>gras</strong>" in body["posts"][0]["html"]
    assert "<script>" not in body["posts"][0]["html"]
    assert body["posts"][1]["html"].strip() == "<p>Une <em>idée</em>.</p>"


def test_held_replies_are_invisible_to_others(client, auth):
    case = client.post("/api/v1/cases", headers=auth, json={"title": "Cas",
                                                             "body": "Texte."}).get_json()
    other = other_auth(client)
    held = client.post(f"/api/v1/cases/{case['id']}/posts", headers=other,
                       json={"body": "Son frère Kevin appelle au 418-555-0123."}).get_json()
    assert held["status"] == "held"
    seen_by_author = client.get(f"/api/v1/cases/{case['id']}", headers=auth).get_json()
    assert [p["kind"] for p in seen_by_author["posts"]] == ["case"]
    assert "418-555-0123" not in str(seen_by_author)


@pytest.mark.parametrize(
    ("path", "payload", "status"),
    [
        ("/api/v1/members", {"email": "bad"}, 400),
        ("/api/v1/members", {**MEMBER, "password": 123}, 400),
        ("/api/v1/members", ["not", "an", "object"], 400),
        ("/api/v1/members", {**MEMBER, "profession": "astronaut"}, 400),
        ("/api/v1/tokens", {}, 400),
        ("/api/v1/anonymise", {"text": 5}, 400),
        ("/api/v1/anonymise", {"text": "a" * 20_001}, 400),
        ("/api/v1/anonymise", "text", 400),
    ],
)
def test_bad_input_gets_json_4xx(client, path, payload, status):
    response = client.post(path, json=payload)
    assert response.status_code == status
    assert "error" in response.get_json()


@pytest.mark.parametrize(
    "payload",
    [{}, {"title": "", "body": "x"}, {"title": "x"}, {"title": "x", "body": ["list"]},
     {"title": "x", "body": "y", "tags": "notalist"}, {"title": "x", "body": "y", "tags": [1]},
     {"title": "x" * 200, "body": "y"}, {"title": "x", "body": "y", "language": "de"}],
)
def test_bad_cases_get_json_400(client, auth, payload):
    response = client.post("/api/v1/cases", headers=auth, json=payload)
    assert response.status_code == 400 and "error" in response.get_json()


def test_duplicate_sign_up_is_a_conflict(client):
    client.post("/api/v1/members", json=MEMBER)
    response = client.post("/api/v1/members", json=MEMBER)
    assert response.status_code == 409 and "error" in response.get_json()


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"},
                                     {"Authorization": "Basic abc"}])
def test_calls_without_a_valid_token_get_401(client, headers):
    assert client.get("/api/v1/cases/1", headers=headers).status_code == 401
    assert client.post("/api/v1/cases", headers=headers, json={}).status_code == 401


def test_unknown_cases_get_404_json(client, auth):
    response = client.get("/api/v1/cases/999999", headers=auth)
    assert response.status_code == 404 and "error" in response.get_json()
    assert client.post("/api/v1/cases/999999/posts", headers=auth,
                       json={"body": "x"}).status_code == 404


def test_the_session_cookie_does_not_authenticate_the_api(browser, members, client):
    member = members.create()
    browser.login(member.email)
    assert browser.get("/api/v1/cases/1").status_code == 401
