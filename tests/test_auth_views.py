"""Sign-up, login, profile pages, with CSRF on, as a member uses them."""

from __future__ import annotations

import pytest

from cop.extensions import db

SIGNUP = {
    "email": "lea@example.org",
    "password": "a long enough password",
    "confirm": "a long enough password",
    "display_name": "Léa Fortin",
    "profession": "psychologist",
    "institution": "CMP Les Tilleuls",
    "sector": "primary_care",
}


def test_sign_up_logs_in_at_once(browser):
    response = browser.submit("/signup", SIGNUP)
    assert response.status_code == 302
    page = browser.get("/").get_data(as_text=True)
    assert "Léa Fortin" in page


def test_a_rejected_sign_up_keeps_what_was_typed(browser):
    response = browser.submit("/signup", {**SIGNUP, "confirm": "something else entirely"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="Léa Fortin"' in page and 'value="CMP Les Tilleuls"' in page
    assert 'role="alert"' in page


def test_forms_without_csrf_token_are_refused(client):
    response = client.post("/signup", data=SIGNUP)
    assert response.status_code == 400
    assert "form" in response.get_data(as_text=True).lower()


def test_institution_suggestions_appear_on_sign_up(browser, members):
    members.create(institution="CIUSSS de l'Estuaire")
    page = browser.get("/signup").get_data(as_text=True)
    assert "<datalist" in page and "CIUSSS de l&#39;Estuaire" in page


def test_login_logout_and_remember_me(browser, members):
    member = members.create()
    token = browser.csrf_token("/login")
    response = browser.post("/login", data={
        "email": member.email, "password": "correct horse battery", "remember": "y",
        "csrf_token": token})
    assert response.status_code == 302
    assert "remember_token" in response.headers.get("Set-Cookie", "") or any(
        "remember_token" in h for h in response.headers.getlist("Set-Cookie"))
    browser.logout()
    assert browser.get("/cases/new").status_code == 302


def test_wrong_credentials_give_one_message_for_both_cases(browser, members):
    member = members.create()
    wrong_password = browser.submit("/login", {"email": member.email, "password": "nope nope"})
    unknown = browser.submit("/login", {"email": "ghost@example.org", "password": "nope nope"})
    assert wrong_password.status_code == unknown.status_code == 200
    assert "Email or password is incorrect" in wrong_password.get_data(as_text=True) or \
        "incorrect" in wrong_password.get_data(as_text=True)


def test_login_is_rate_limited(browser, members):
    member = members.create()
    statuses = [
        browser.submit("/login", {"email": member.email, "password": "wrong password"}).status_code
        for _ in range(12)
    ]
    assert 429 in statuses


def test_profile_shows_profession_institution_and_cases(browser, members):
    member = members.create(display_name="Sam Roy", profession="peer_helper",
                            institution="Maison Le Relais", sector="community")
    browser.login(member.email)
    page = browser.get(f"/members/{member.id}").get_data(as_text=True)
    assert "Sam Roy" in page and "Maison Le Relais" in page
    assert "Peer helper" in page or "Pair aidant" in page or "Pair-aidant" in page


def test_edit_profile_and_change_password(browser, members):
    member = members.create()
    browser.login(member.email)
    response = browser.submit("/profile", {
        "display_name": "Nouveau Nom", "profession": "nurse", "institution": "CLSC Nouveau",
        "sector": "hospital", "bio": "Infirmière de liaison.", "locale": "en"})
    assert response.status_code == 302
    db.session.refresh(member)
    assert member.display_name == "Nouveau Nom" and member.locale == "en"

    response = browser.submit("/profile/password", {
        "current_password": "correct horse battery", "new_password": "another good password",
        "confirm": "another good password"})
    assert response.status_code == 302
    assert browser.get("/cases/new").status_code == 200


@pytest.mark.parametrize("path", ["/profile", "/profile/password", "/cases/new",
                                  "/notifications/", "/members/1"])
def test_member_pages_ask_visitors_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
