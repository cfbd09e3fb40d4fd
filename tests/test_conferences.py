"""Scheduled case conferences: planning, the live script, and the synthesis in the thread."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cop.auth.services import issue_token
from cop.errors import Invalid, NotPermitted
from cop.extensions import db, socketio
from cop.models import Conference, PostKind
from cop.rooms import conferences
from tests.factories import make_case


@pytest.fixture
def case(members):
    return make_case(members.create(display_name="Claire Dion"))


def future(days: int = 3) -> datetime:
    return (datetime.now(UTC) + timedelta(days=days)).replace(tzinfo=None, microsecond=0)


def test_scheduling_stores_utc_from_the_chosen_zone(case, members):
    facilitator = members.create(display_name="Anne Roy")
    when = future().replace(month=7, day=1, hour=14, minute=0, year=datetime.now(UTC).year + 1)
    conference = conferences.schedule(case.author, case, when, "Europe/Paris",
                                      "@" + facilitator.handle)
    assert conference.scheduled_at.hour == 12  # 14:00 in Paris in summer
    assert conference.facilitator_id == facilitator.id
    assert conferences.schedule(case.author, case, when, "America/Montreal").facilitator_id == (
        case.author.id)


@pytest.mark.parametrize(("when", "zone", "handle"), [
    (datetime(2001, 1, 1, 10, 0), "America/Montreal", ""),
    (None, "Mars/Olympus", ""),
    (None, "Asia/Tokyo", ""),
    (None, "America/Montreal", "@nobody-here"),
])
def test_scheduling_refuses_bad_input(case, when, zone, handle):
    with pytest.raises(Invalid):
        conferences.schedule(case.author, case, when or future(), zone, handle)


def test_the_schedule_form_and_the_lists(browser, case, members):
    member = members.create()
    browser.login(member.email)
    day = future()
    response = browser.submit(f"/cases/{case.id}/conferences/new", {
        "date": day.date().isoformat(), "time": "09:30", "timezone": "America/Toronto",
        "facilitator": ""})
    assert response.status_code == 302
    conference = db.session.query(Conference).one()
    assert conference.facilitator_id == member.id and conference.timezone == "America/Toronto"
    listing = browser.get("/conferences").get_data(as_text=True)
    assert case.title in listing and "09:30 (America/Toronto)" in listing
    assert "09:30 (America/Toronto)" in browser.get(f"/cases/{case.id}").get_data(as_text=True)
    bad = browser.submit(f"/cases/{case.id}/conferences/new", {
        "date": "2001-01-01", "time": "09:30", "timezone": "America/Toronto"})
    assert bad.status_code == 200 and 'class="error"' in bad.get_data(as_text=True)


def test_the_facilitator_moves_the_script_and_every_client_follows(app, case, members):
    facilitator = members.create()
    conference = conferences.schedule(case.author, case, future(), "America/Montreal",
                                      facilitator.handle)
    conference.scheduled_at = datetime.now(UTC) + timedelta(minutes=5)
    db.session.commit()
    watcher = socketio.test_client(app, flask_test_client=app.test_client(),
                                   auth={"token": issue_token(case.author)})
    watcher.emit("join", {"case_id": case.id, "since": None})
    joined = watcher.get_received()[0]["args"][0]
    assert joined["conference"]["stage"] == "scheduled"

    with pytest.raises(NotPermitted):
        conferences.advance(case.author, conference)
    for stage in ("presentation", "questions", "recommendations", "summary"):
        assert conferences.advance(facilitator, conference).stage == stage
        [event] = [e for e in watcher.get_received() if e["name"] == "conference"]
        assert event["args"][0]["stage"] == stage
    with pytest.raises(Invalid):
        conferences.advance(facilitator, conference)


def test_the_summary_goes_to_the_thread_through_the_anonymiser(browser, case, members):
    facilitator = members.create()
    conference = conferences.schedule(case.author, case, future(), "America/Montreal",
                                      facilitator.handle)
    browser.login(facilitator.email)
    url = f"/conferences/{conference.id}/summary"
    found = browser.submit(url, {"body": "Rappeler Mme Tremblay au 514-555-0199."})
    html = found.get_data(as_text=True)
    assert found.status_code == 200 and 'class="findings"' in html
    assert conference.synthesis_post_id is None

    done = browser.submit(url, {"body": "Le groupe recommande un plan de crise partagé."})
    assert done.status_code == 302
    db.session.refresh(conference)
    post = db.session.get(type(case.opening), conference.synthesis_post_id)
    assert post.kind == PostKind.CONFERENCE and conference.is_over
    page = browser.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Le groupe recommande un plan de crise partagé." in page


def test_only_the_facilitator_writes_the_summary(case, members):
    conference = conferences.schedule(case.author, case, future(), "America/Montreal",
                                      members.create().handle)
    with pytest.raises(NotPermitted):
        conferences.finish(case.author, conference, "Synthèse")
