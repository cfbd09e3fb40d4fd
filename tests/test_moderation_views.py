"""The moderation pages, the flag form, the checklist and the live check, through HTTP."""

from __future__ import annotations

from sqlalchemy import select

from cop.anonymise.services import OnFindings
from cop.cases import services
from cop.cases.services import CaseDraft, Submission
from cop.extensions import db
from cop.models import Flag, Post, PostStatus, Role
from tests.factories import make_case

RISKY = "Mme Julie Tremblay appelle souvent le soir et refuse tout suivi."


def held_case(author):
    return services.open_case(author, CaseDraft(title="Refus", sections={"situation": RISKY}),
                              Submission(OnFindings.HOLD, "Nom inventé"))


def test_the_queue_is_for_moderators_only(browser, members):
    member = members.create()
    browser.login(member.email)
    assert browser.get("/moderation").status_code == 403
    assert browser.get("/moderation/audit.csv").status_code == 403


def test_a_moderator_redacts_and_releases_a_held_case(browser, members):
    author = members.create()
    moderator = members.create(role=Role.MODERATOR)
    case = held_case(author)
    browser.login(moderator.email)

    queue = browser.get("/moderation").get_data(as_text=True)
    assert '<mark class="finding"' in queue and "Nom inventé" in queue

    page = f"/moderation/posts/{case.opening.id}/redact"
    assert "Julie Tremblay" in browser.get(page).get_data(as_text=True)
    response = browser.submit(page, {"findings": ["0"], "release": "y",
                                     "passages-0-text": "", "passages-0-kind": "PERSON"})
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    post = db.session.get(Post, case.opening.id)
    db.session.refresh(post)
    assert post.status == PostStatus.PUBLISHED and "Julie Tremblay" not in post.body

    log = browser.get("/moderation/audit.csv").get_data(as_text=True)
    assert log.splitlines()[0].startswith("id,created_at,moderator,action")
    assert ",redact," in log and ",release," in log and "Tremblay" not in log


def test_a_moderator_returns_a_post_and_the_author_sees_why(browser, other_browser, members):
    author = members.create()
    moderator = members.create(role=Role.MODERATOR)
    case = held_case(author)
    browser.login(moderator.email)
    browser.submit("/moderation", {"message": "Retirez le nom."},
                   action=f"/moderation/posts/{case.opening.id}/return")
    other_browser.login(author.email)
    assert "Retirez le nom." in other_browser.get(f"/cases/{case.id}").get_data(as_text=True)


def test_members_flag_posts_once(browser, members):
    author, reader = members.create(), members.create()
    case = make_case(author)
    browser.login(reader.email)
    page = f"/flag/post/{case.opening.id}"
    assert browser.submit(page, {"reason": "identifiers"}).status_code == 302
    again = browser.submit(page, {"reason": "identifiers"}).get_data(as_text=True)
    assert 'role="alert"' in again
    assert len(db.session.scalars(select(Flag)).all()) == 1
    assert browser.get("/flag/post/999999").status_code == 404
    assert browser.get("/flag/case/1").status_code == 404


def test_the_checklist_comes_before_the_first_case(browser, members):
    member = members.create(checklist_done=False)
    browser.login(member.email)
    response = browser.get("/cases/new")
    assert response.status_code == 302 and "/checklist" in response.headers["Location"]
    incomplete = browser.submit("/checklist", {"no_names": "y"})
    assert incomplete.status_code == 200
    done = browser.submit("/checklist", {name: "y" for name in (
        "no_names", "no_dates", "no_places", "no_numbers", "rare_details")})
    assert done.status_code == 302
    assert browser.get("/cases/new").status_code == 200


def test_the_live_check_reports_findings_with_suggestions(browser, members):
    member = members.create()
    browser.login(member.email)
    token = browser.csrf_token("/cases/new")
    response = browser.post("/check", json={"situation": "Appelez le 514-555-0199."},
                            headers={"X-CSRFToken": token})
    findings = response.get_json()["findings"]
    assert [(f["kind"], f["text"]) for f in findings] == [("PHONE", "514-555-0199")]
    assert findings[0]["suggestion"] in ("[TÉLÉPHONE]", "[PHONE]")
    assert browser.post("/check", json={"situation": "x"}).status_code == 400
    assert browser.post("/check", json=["x"], headers={"X-CSRFToken": token}).status_code == 400
