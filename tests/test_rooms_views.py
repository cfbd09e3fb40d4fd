"""The room page, the case page's room panel (transcripts), and the conference list."""

from __future__ import annotations

import pytest

from cop.anonymise.services import OnFindings
from cop.cases.services import CaseDraft, Submission, open_case
from cop.rooms import services
from tests.factories import make_case


@pytest.fixture
def app(app):
    app.config["ROOM_TRANSCRIPT_DELAY"] = 0
    return app


@pytest.fixture
def case(members):
    return make_case(members.create(display_name="Claire Dion"))


def test_the_room_page_needs_a_login(client, case):
    response = client.get(f"/cases/{case.id}/room")
    assert response.status_code == 302 and "/login" in response.location


def test_the_room_page_is_an_accessible_live_log_without_inline_script(browser, case, members):
    member = members.create()
    browser.login(member.email)
    page = browser.get(f"/cases/{case.id}/room")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'data-case-id="{case.id}"' in html
    assert 'role="log" aria-live="polite"' in html
    assert '<label for="room-body">' in html
    assert "vendor/socket.io/socket.io.min.js" in html and "js/rooms.js" in html
    assert "<script>" not in html and "script-src 'self'" in page.headers[
        "Content-Security-Policy"]


def test_the_room_page_knows_the_last_message_the_member_saw(browser, case):
    message = services.send_message(case.author, case, "Premier échange")
    services.mark_seen(case.author.id, case.id)
    browser.login(case.author.email)
    html = browser.get(f"/cases/{case.id}/room").get_data(as_text=True)
    assert f'data-last-seen-id="{message.id}"' in html


def test_rooms_of_cases_one_cannot_see_are_not_found(browser, members):
    author = members.create()
    held = open_case(author, CaseDraft(title="Retenu", sections={
        "situation": "Mme Gagnon, 514-555-0199."}), Submission(OnFindings.HOLD, "test"))
    browser.login(members.create().email)
    assert browser.get(f"/cases/{held.id}/room").status_code == 404
    assert browser.get("/cases/999/room").status_code == 404


def test_the_case_page_links_the_room_and_folds_transcripts_by_day(browser, case, members):
    services.send_message(case.author, case, "Une **idée** de plan")
    hidden = services.send_message(case.author, case, "Un message masqué")
    services.set_message_status(hidden.id, "hidden")
    browser.login(members.create().email)
    html = browser.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'href="/cases/{case.id}/room"' in html
    assert '<details class="transcript"' in html
    assert "Une <strong>idée</strong> de plan" in html
    assert "masqué" not in html


def test_the_conference_list_is_empty_at_first(browser, members):
    browser.login(members.create().email)
    page = browser.get("/conferences")
    assert page.status_code == 200
