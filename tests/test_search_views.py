"""Searching the accumulated expertise as a member does: forms, synonyms, filters, safety."""

from __future__ import annotations

from pathlib import Path

from cop.anonymise.services import OnFindings
from cop.cases import services
from cop.cases.services import CaseDraft, Submission
from cop.search import services as search
from tests.factories import make_case, make_reply

HOSPITALISATIONS = ("Une femme dans la trentaine, suivie pour un trouble de personnalité limite, "
                    "cumule les hospitalisations répétées et les idées suicidaires chroniques.")


def test_a_french_query_without_accents_finds_other_word_forms(browser, members):
    author = members.create()
    case = make_case(author, title="Crises à répétition", situation=HOSPITALISATIONS, tags=["tpl"])
    browser.login(author.email)
    page = browser.get("/search?q=hospitalisation+repetees").get_data(as_text=True)
    assert case.title in page and "<mark>" in page


def test_an_english_synonym_finds_the_french_case(browser, members):
    author = members.create()
    case = make_case(author, title="Crises à répétition", situation=HOSPITALISATIONS)
    browser.login(author.email)
    assert case.title in browser.get("/search?q=borderline").get_data(as_text=True)
    assert case.title in browser.get("/search?q=suicidal+ideation").get_data(as_text=True)


def test_filters_narrow_and_facets_count(browser, members):
    nurse = members.create(profession="nurse")
    doctor = members.create(profession="psychiatrist", sector="hospital")
    first = make_case(nurse, title="Premier", situation=HOSPITALISATIONS, tags=["tpl"])
    make_case(doctor, title="Second", situation=HOSPITALISATIONS, tags=["crise"])
    services.resolve(nurse, first, {"helped": "Un plan de crise partagé avec l'urgence."})
    browser.login(nurse.email)

    resolved = browser.get("/search?q=hospitalisations&status=resolved").get_data(as_text=True)
    assert "Premier" in resolved and "Second" not in resolved
    by_operator = browser.get("/search?q=hospitalisations+profession:psychiatrist")
    assert "Second" in by_operator.get_data(as_text=True)
    assert "Premier" not in by_operator.get_data(as_text=True)
    facets = browser.get("/search?q=hospitalisations").get_data(as_text=True)
    assert 'class="count">(' in facets


def test_held_text_never_appears(browser, members):
    author, other = members.create(), members.create()
    case = make_case(author)
    services.reply(other, case, "Sa sœur Maryse Bouchard-Lavoie vient chaque jeudi.",
                   Submission(OnFindings.HOLD))
    services.open_case(author, CaseDraft(title="Retenu", sections={
        "situation": "M. Gaétan Brassard-Pelletier refuse le suivi."}),
        Submission(OnFindings.HOLD))
    browser.login(other.email)
    for query in ("Bouchard-Lavoie", "Maryse", "Brassard", "Retenu"):
        assert search.search(query).total == 0
        page = browser.get(f"/search?q={query}").get_data(as_text=True)
        results = page.split('class="results"')[1]
        assert "Brassard" not in results and "Bouchard" not in results


def test_odd_queries_get_results_or_a_message(browser, members):
    author = members.create()
    make_reply(author, make_case(author))
    browser.login(author.email)
    for query in ('"unbalanced', "OR", "-", "a" * 10_000, "%00\x01\x02", "((", "tag:", "*"):
        assert browser.get("/search", query_string={"q": query}).status_code == 200


def test_the_api_search_answers_the_contract(client, members):
    author = members.create()
    make_case(author, situation=HOSPITALISATIONS)
    token = client.post("/api/v1/tokens", json={"email": author.email,
                                                "password": "correct horse battery"})
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    body = client.get("/api/v1/search?q=hospitalisation&kind=case", headers=headers).get_json()
    assert body["total"] == 1
    assert set(body["results"][0]) >= {"case_id", "post_id", "title", "snippet_html", "score"}
    assert client.get("/api/v1/search?q=x&page=zero", headers=headers).status_code == 400


def test_similar_cases_appear_on_the_case_page(browser, members):
    author = members.create()
    case = make_case(author, title="Lithium au printemps")
    make_case(author, title="Lithium arrêté encore", situation="Il arrête son lithium au "
              "printemps et se retrouve hospitalisé, comme chaque année depuis longtemps.")
    browser.login(author.email)
    page = browser.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Lithium arrêté encore" in page.split('id="similar-title"')[1]


def test_a_damaged_index_is_rebuilt_and_search_says_so(app, browser, members):
    author = members.create()
    case = make_case(author, situation=HOSPITALISATIONS)
    index_root = Path(app.config["SEARCH_DIR"])
    for path in index_root.rglob("*.toc"):
        path.write_bytes(b"garbage")
    search.search_index().close()
    browser.login(author.email)
    page = browser.get("/search?q=hospitalisations").get_data(as_text=True)
    assert "rebuilt" in page or "reconstruit" in page
    assert case.title in page
