"""The case pages as members use them: post, check, reply, edit, follow, resolve."""

from __future__ import annotations

import re

from cop.models import Role
from tests.factories import make_case, make_reply

CASE_FORM = {
    "title": "Arrêts répétés du traitement chaque printemps",
    "situation": "Un homme dans la cinquantaine arrête son lithium chaque printemps.",
    "tried": "Rappels, visites à domicile.",
    "stuck": "Il se dit guéri dès qu'il va mieux.",
    "question": "Comment travaillez-vous l'alliance autour de la médication ?",
    "tags": "lithium, bipolaire",
    "professions_involved": ["nurse", "psychiatrist"],
    "sectors_involved": ["primary_care"],
    "language": "fr",
    "consent_basis": "deidentified",
}


def test_the_case_list_and_a_case_page_render(browser, members):
    author = members.create(display_name="Claire Dubé", profession="nurse")
    case = make_case(author)
    browser.login(author.email)

    listing = browser.get("/").get_data(as_text=True)
    assert case.title in listing and "lithium" in listing

    page = browser.get(f"/cases/{case.id}").get_data(as_text=True)
    assert case.title in page and "Claire Dubé" in page
    assert "Ce qui a été essayé" not in page or "<h3>" in page


def test_posting_a_structured_case_publishes_it(browser, members):
    author = members.create()
    browser.login(author.email)
    response = browser.submit("/cases/new", CASE_FORM)
    assert response.status_code == 302
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Arrêts répétés du traitement" in page
    assert "Où ça bloque" in page and "Question à la communauté" in page


def test_identifiers_are_highlighted_and_suggestions_apply_in_one_click(browser, members):
    author = members.create()
    browser.login(author.email)
    risky = {**CASE_FORM, "situation": "Mme Julie Tremblay, 514-555-0199, refuse le suivi."}

    shown = browser.submit("/cases/new", risky).get_data(as_text=True)
    assert '<mark class="finding"' in shown
    assert "Julie Tremblay" in shown and 'value="Arrêts répétés' in shown

    applied = browser.submit("/cases/new", {**risky, "apply_suggestions": "1"})
    text = applied.get_data(as_text=True)
    assert "514-555-0199" not in text.split("<textarea")[1]
    assert "[TÉLÉPHONE]" in text or "[PHONE]" in text


def test_insisting_holds_the_case_for_review(browser, other_browser, members):
    author, other = members.create(), members.create()
    browser.login(author.email)
    risky = {**CASE_FORM, "situation": "Mme Julie Tremblay refuse le suivi.",
             "insist": "1", "held_reason": "C'est un nom inventé."}
    response = browser.submit("/cases/new", risky)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "Held for review" in browser.get(location).get_data(as_text=True) or \
        "retenu" in browser.get(location).get_data(as_text=True).lower()

    other_browser.login(other.email)
    assert other_browser.get(location).status_code == 404
    assert "Arrêts répétés" not in other_browser.get("/").get_data(as_text=True)


def test_a_rejected_case_form_keeps_the_text(browser, members):
    author = members.create()
    browser.login(author.email)
    page = browser.submit("/cases/new", {**CASE_FORM, "title": ""}).get_data(as_text=True)
    assert "Un homme dans la cinquantaine" in page and 'role="alert"' in page


def test_reply_edit_history_follow_notify_resolve(browser, other_browser, members):
    author = members.create(display_name="Claire Dubé")
    colleague = members.create(display_name="Marc Ouellet", profession="psychiatrist",
                               institution="Centre hospitalier du Littoral", sector="hospital")
    case = make_case(author)
    other_browser.login(colleague.email)

    response = other_browser.submit(f"/cases/{case.id}", {"body": "Un plan de crise co-écrit ?"},
                                    action=f"/cases/{case.id}/replies")
    assert response.status_code == 302
    page = other_browser.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Un plan de crise co-écrit ?" in page and "Centre hospitalier du Littoral" in page

    pattern = (r'id="post-(\d+)"[^>]*>\s*<header[^<]*<span class="author">\s*'
               rf'<a href="/members/{colleague.id}"')
    post_id = int(re.search(pattern, page).group(1))
    edit = other_browser.submit(f"/posts/{post_id}/edit", {"body": "Un plan de crise co-écrit "
                                                           "pendant une période stable ?"})
    assert edit.status_code == 302
    history = other_browser.get(f"/posts/{post_id}/history").get_data(as_text=True)
    assert "<ins>" in history and "stable" in history

    browser.login(author.email)
    notifications = browser.get("/notifications/").get_data(as_text=True)
    assert "Marc Ouellet" in notifications
    assert 'class="badge"' in browser.get("/").get_data(as_text=True)

    resolved = browser.submit(f"/cases/{case.id}/resolve", {
        "helped": "Le plan de crise co-écrit.", "did_not_help": "Les rappels seuls.",
        "open_questions": ""})
    assert resolved.status_code == 302
    page = browser.get(f"/cases/{case.id}").get_data(as_text=True)
    assert page.index("Le plan de crise co-écrit.") < page.index("Un homme dans la quarantaine")


def test_members_cannot_edit_others_posts_or_resolve_others_cases(browser, members):
    author, other = members.create(), members.create()
    case = make_case(author)
    browser.login(other.email)
    assert browser.get(f"/posts/{case.opening.id}/edit").status_code == 403
    assert browser.get(f"/cases/{case.id}/resolve").status_code == 403


def test_moderators_can_resolve_any_case(browser, members):
    author, moderator = members.create(), members.create(role=Role.MODERATOR)
    case = make_case(author)
    make_reply(author, case)
    browser.login(moderator.email)
    assert browser.get(f"/cases/{case.id}/resolve").status_code == 200


def test_follow_and_unfollow_buttons(browser, members):
    author, other = members.create(), members.create()
    case = make_case(author)
    browser.login(other.email)
    browser.submit(f"/cases/{case.id}", {}, action=f"/cases/{case.id}/follow")
    assert "Stop following" in browser.get(f"/cases/{case.id}").get_data(as_text=True) or \
        "Ne plus suivre" in browser.get(f"/cases/{case.id}").get_data(as_text=True)
    browser.submit(f"/cases/{case.id}", {"stop": "1"}, action=f"/cases/{case.id}/follow")
    page = browser.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Stop following" not in page and "Ne plus suivre" not in page


def test_list_filters_and_pagination_links(browser, members, app):
    author = members.create()
    app.config["CASES_PER_PAGE"] = 2
    for number in range(3):
        make_case(author, title=f"Cas numéro {number}", tags=["psychose"])
    browser.login(author.email)
    first = browser.get("/?tag=psychose&sort=newest").get_data(as_text=True)
    assert "Cas numéro 2" in first and "Cas numéro 0" not in first and 'rel="next"' in first
    second = browser.get("/?tag=psychose&sort=newest&page=2").get_data(as_text=True)
    assert "Cas numéro 0" in second
    assert browser.get("/?page=abc&sort=zzz&state=nope").status_code == 200


def test_long_threads_are_paged_and_links_to_a_reply_land_on_its_page(
        browser, other_browser, members, monkeypatch):
    monkeypatch.setattr("cop.cases.queries.REPLIES_PER_PAGE", 5)
    author, colleague = members.create(), members.create()
    case = make_case(author)
    replies = [make_reply(colleague, case, f"Réponse numéro {n}.") for n in range(1, 13)]

    browser.login(author.email)
    first = browser.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Réponse numéro 5." in first and "Réponse numéro 6." not in first
    assert "Page 1 of 3" in first or "Page 1 sur 3" in first
    assert f'href="/cases/{case.id}?page=2"' in first
    last = browser.get(f"/cases/{case.id}?page=3").get_data(as_text=True)
    assert "Réponse numéro 12." in last and "Réponse numéro 10." not in last
    assert "Un homme dans la quarantaine" in last  # the case itself heads every page
    assert "Réponse numéro 12." in browser.get(f"/cases/{case.id}?page=99").get_data(True)
    assert "Réponse numéro 1." in browser.get(f"/cases/{case.id}?page=x").get_data(True)

    other_browser.login(colleague.email)
    sent = other_browser.submit(f"/cases/{case.id}", {"body": "Une treizième idée."},
                                action=f"/cases/{case.id}/replies")
    assert re.search(rf"/cases/{case.id}\?page=3#post-\d+$", sent.headers["Location"])
    edited = other_browser.submit(f"/posts/{replies[6].id}/edit", {"body": "Revue."})
    assert edited.headers["Location"].endswith(f"/cases/{case.id}?page=2#post-{replies[6].id}")
    early = other_browser.submit(f"/posts/{replies[0].id}/edit", {"body": "Revue aussi."})
    assert early.headers["Location"].endswith(f"/cases/{case.id}#post-{replies[0].id}")

    notices = browser.get("/notifications/").get_data(as_text=True)
    newest = re.search(r'action="/notifications/(\d+)/open"', notices).group(1)
    opened = browser.submit("/notifications/", {}, action=f"/notifications/{newest}/open")
    assert re.search(rf"/cases/{case.id}\?page=3#post-\d+$", opened.headers["Location"])
