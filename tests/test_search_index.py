"""Specification of the search engine: SearchIndex behind cop.search."""

from __future__ import annotations

import multiprocessing
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cop.search import SearchDocument, SearchIndex
from cop.search.analysis import variants
from cop.search.segments import TermPool
from cop.search.storage import current_folder

START = datetime(2025, 1, 1, 9, 0)


def doc(number: int, body: str, **fields) -> SearchDocument:
    """Build a reply (or a case, with kind="case") with sensible defaults."""
    values = {
        "doc_id": f"post:{number}",
        "kind": "reply",
        "case_id": number,
        "post_id": number,
        "title": f"Cas {number}",
        "body": body,
        "created_at": START + timedelta(days=number),
        "tags": [],
        "status": "open",
        "profession": "nurse",
        "sector": "hospital",
        "language": "fr",
        "author": "Dr A",
    }
    values.update(fields)
    return SearchDocument(**values)


def ids(results) -> set[str]:
    return {hit.doc_id for hit in results.hits}


@pytest.fixture
def index(tmp_path: Path) -> SearchIndex:
    return SearchIndex(tmp_path / "search")


@pytest.fixture
def corpus(index: SearchIndex) -> SearchIndex:
    index.add_many(
        [
            doc(
                1,
                "Hospitalisations répétées depuis l'hospitalisation de mars.",
                tags=["Lithium", "TPL"],
                status="resolved",
                profession="psychiatrist",
            ),
            doc(
                2,
                "The patient keeps relapsing after stopping lithium.",
                language="en",
                sector="community",
            ),
            doc(
                3,
                "Patiente hospitalisée pour trouble de personnalité limite, d'idées noires.",
                kind="case",
            ),
            doc(
                4,
                "Borderline personality disorder with suicidal ideation.",
                language="en",
                kind="synthesis",
                tags=["suicide"],
            ),
            doc(
                5,
                "Suivi en clinique externe, bonne évolution sous lithium.",
                tags=["lithium"],
                status="resolved",
                sector="community",
            ),
            doc(
                6,
                "Premier épisode psychotique chez un jeune adulte; the family asks for "
                "help with first-episode psychosis services.",
                kind="case",
                language="en",
            ),
            doc(7, "Trouble bipolaire, rechute maniaque.", profession="social worker"),
        ]
    )
    return index


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("hospitalisation", {"post:1", "post:3"}),
        ("hospitalisé", {"post:1", "post:3"}),
        ("HOSPITALISATIONS", {"post:1", "post:3"}),
        ("repetees", {"post:1"}),
        ("relapse", {"post:2", "post:7"}),  # rechute is a synonym
        ("relapsing", {"post:2", "post:7"}),
        ("idées", {"post:3"}),  # elided: d'idées
        ("évolution", {"post:5"}),
        ("evolution", {"post:5"}),
    ],
)
def test_words_match_across_accents_inflections_and_elisions(corpus, query, expected):
    assert ids(corpus.query(query)) == expected


def test_elided_articles_are_dropped_and_variants_are_shared():
    assert set(variants("hospitalisée")) & set(variants("hospitalisations"))
    assert set(variants("répétées")) & set(variants("repetees"))
    assert set(variants("relapse")) & set(variants("relapsing"))


def test_a_mixed_language_post_is_found_in_both_languages(corpus):
    assert "post:6" in ids(corpus.query("psychotique jeune"))
    assert "post:6" in ids(corpus.query("family services"))


def test_synonyms_expand_in_both_directions(corpus):
    assert ids(corpus.query("TPL")) >= {"post:3", "post:4"}
    assert ids(corpus.query("borderline personality disorder")) >= {"post:3", "post:4"}
    assert ids(corpus.query("trouble de personnalité limite")) >= {"post:3", "post:4"}
    assert "post:4" in ids(corpus.query("idées suicidaires"))
    assert "post:6" in ids(corpus.query("FEP"))


def test_quotes_search_an_exact_phrase_without_synonyms(corpus):
    assert ids(corpus.query('"personnalité limite"')) == {"post:3"}
    assert ids(corpus.query('"limite personnalité"')) == set()


def test_exclusion_with_minus_or_not(corpus):
    assert ids(corpus.query("lithium -relapse")) == {"post:1", "post:5"}
    assert ids(corpus.query("lithium NOT clinique")) == {"post:1", "post:2"}


def test_or_and_prefix(corpus):
    assert ids(corpus.query("maniaque OR externe")) == {"post:5", "post:7"}
    assert ids(corpus.query("hospit*")) == {"post:1", "post:3"}


@pytest.mark.parametrize(
    ("operator", "form", "expected"),
    [
        ("tag:lithium", {"tag": "lithium"}, {"post:1", "post:5"}),
        ("status:resolved", {"status": "resolved"}, {"post:1", "post:5"}),
        ("profession:psychiatrist", {"profession": "psychiatrist"}, {"post:1"}),
        ("sector:community", {"sector": "community"}, {"post:2", "post:5"}),
        ("kind:case", {"kind": "case"}, {"post:3", "post:6"}),
        ("after:2025-01-07", {"after": datetime(2025, 1, 7)}, {"post:6", "post:7"}),
        ("before:2025-01-03", {"before": "2025-01-03"}, {"post:1"}),
    ],
)
def test_each_filter_works_as_operator_and_as_form_value(corpus, operator, form, expected):
    assert ids(corpus.query(operator)) == expected
    assert ids(corpus.query("", filters=form)) == expected


def test_filters_combine_with_words(corpus):
    assert ids(corpus.query("lithium status:resolved sector:community")) == {"post:5"}
    assert ids(corpus.query("lithium", filters={"tag": ["lithium", "tpl"]})) == {"post:1"}
    assert ids(corpus.query('profession:"social worker" rechute')) == {"post:7"}


def test_an_invalid_filter_value_is_explained(corpus):
    results = corpus.query("lithium status:closed after:yesterday")
    assert "status" in results.message and "YYYY-MM-DD" in results.message


def test_date_order_and_pagination(corpus):
    by_date = corpus.query("", filters={"after": "2024-01-01"}, sort="date", per_page=3)
    assert [h.doc_id for h in by_date.hits] == ["post:7", "post:6", "post:5"]
    assert by_date.total == 7 and by_date.pages == 3
    third = corpus.query("", filters={"after": "2024"}, sort="date", page=3, per_page=3)
    assert [h.doc_id for h in third.hits] == ["post:1"]
    assert corpus.query("lithium", page=9).hits == []


def test_facets_count_all_matches(corpus):
    facets = corpus.query("lithium", per_page=1).facets
    assert facets["status"] == {"resolved": 2, "open": 1}
    assert facets["tag"] == {"lithium": 2, "tpl": 1}
    assert facets["kind"] == {"reply": 3}
    assert facets["sector"] == {"hospital": 1, "community": 2}


def test_a_misspelling_gets_a_suggestion(corpus):
    results = corpus.query("hospitalsation")
    assert results.total == 0 and results.suggestion == "hospitalisations"
    assert corpus.query("lithium").suggestion is None


def test_snippets_escape_user_text_and_mark_matches(index):
    index.add(doc(1, 'Avant <script>alert("x")</script> & <b>lithium</b> après.'))
    snippet = index.query("lithium").hits[0].snippet_html
    assert "&lt;script&gt;" in snippet and "<mark>lithium</mark>" in snippet
    assert set(re.findall(r"</?([a-z]+)", snippet)) == {"mark"}


def test_similar_cases_share_key_terms(index):
    index.add_many(
        [
            doc(1, "Lithium toxicité insuffisance rénale chez une patiente âgée.", kind="case"),
            doc(2, "Toxicité au lithium et fonction rénale altérée.", kind="case"),
            doc(3, "Itinérance et consommation de cannabis chez un jeune.", kind="case"),
            doc(4, "Lithium rénale toxicité (réponse).", case_id=1),
        ]
    )
    assert index.similar(1)[0] == 2
    assert 1 not in index.similar(1)
    assert index.similar(99) == []


def test_remove_and_remove_case(corpus):
    corpus.remove("post:5")
    assert "post:5" not in ids(corpus.query("lithium"))
    corpus.add(doc(8, "Lithium encore.", case_id=1, doc_id="case:1", kind="case"))
    corpus.remove_case(1)
    assert ids(corpus.query("lithium")) == {"post:2"}


def test_add_is_an_upsert(corpus):
    corpus.add(doc(2, "Texte révisé sans le mot.", language="fr"))
    assert "post:2" not in ids(corpus.query("lithium"))
    assert corpus.query("révisé").total == 1


def test_rebuild_swaps_in_a_new_folder_and_readers_follow(corpus, tmp_path):
    before = current_folder(tmp_path / "search")
    assert corpus.query("lithium").total == 3
    seen = []
    count = corpus.rebuild([doc(20, "Clozapine et lithium.")], progress=seen.append)
    assert count == 1 and seen == [1]
    assert current_folder(tmp_path / "search") != before
    assert ids(corpus.query("lithium")) == {"post:20"}
    other = SearchIndex(tmp_path / "search")
    assert other.query("clozapine").total == 1


def test_a_parallel_rebuild_finds_exactly_what_a_single_process_finds(tmp_path):
    documents = [
        doc(n, f"Suivi {n}: lithium et clozapine." if n % 3 else f"Rechute {n} sous lithium.")
        for n in range(1, 1201)
    ]
    single = SearchIndex(tmp_path / "single")
    parallel = SearchIndex(tmp_path / "parallel", rebuild_procs=2)
    seen: list[int] = []
    assert single.rebuild(documents) == parallel.rebuild(documents, progress=seen.append) == 1200
    assert seen[-1] == 1200 and seen == sorted(seen)
    assert parallel.doc_count() == 1200
    for query in ("lithium", "rechute", '"lithium et clozapine"', "suivi -rechute"):
        everything = {"per_page": 100, "facets": True}
        assert parallel.query(query, **everything).total == single.query(query, **everything).total
        assert parallel.query(query).facets == single.query(query).facets
    parallel.add(doc(5, "Remplacé: olanzapine."))
    assert parallel.query("olanzapine").total == 1 and parallel.doc_count() == 1200


def test_a_failing_parallel_rebuild_keeps_the_live_index(corpus, tmp_path):
    corpus.rebuild_procs = 2

    def documents():
        yield from (doc(n, "clozapine") for n in range(1, 1000))
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        corpus.rebuild(documents())
    assert corpus.query("lithium").total == 3 and corpus.query("clozapine").total == 0
    assert corpus.rebuild([doc(20, "clozapine")]) == 1


def test_the_term_pool_sorts_postings_that_arrive_out_of_order():
    pool = TermPool()
    for docnum in (4, 1, 3):
        pool.add(("content", b"lithium", docnum, 1.0, b""))
    pool.add(("content", b"clozapine", 2, 2.0, None))
    pool.add(("case_id", b"7", 0, 1.0, b""))
    assert list(pool.iter_postings()) == [
        ("case_id", b"7", 0, 1.0, b""),
        ("content", b"clozapine", 2, 2.0, b""),
        ("content", b"lithium", 1, 1.0, b""),
        ("content", b"lithium", 3, 1.0, b""),
        ("content", b"lithium", 4, 1.0, b""),
    ]


def test_writes_during_a_rebuild_are_replayed(index):
    def documents():
        index.add(doc(2, "Ajouté pendant la reconstruction: clozapine."))
        yield doc(1, "Clozapine au départ.")

    index.rebuild(documents())
    assert index.query("clozapine").total == 2


def test_ensure_creates_a_missing_index_and_resets_a_corrupt_one(index, tmp_path):
    assert index.ensure() == "created"
    assert index.ensure() == "ok"
    index.add(doc(1, "lithium"))
    folder = current_folder(tmp_path / "search")
    for path in folder.iterdir():
        if path.suffix in (".toc", ".seg"):
            path.write_bytes(b"garbage")
    fresh = SearchIndex(tmp_path / "search")
    assert fresh.ensure() == "reset"
    assert fresh.query("lithium").total == 0


def test_queries_before_any_index_explain_instead_of_failing(index):
    assert "rebuilt" in index.query("lithium").message


@pytest.mark.parametrize(
    "query",
    [
        '"unbalanced',
        "OR",
        "NOT",
        "-",
        "a OR",
        "((",
        "tag:",
        "*",
        "a*",
        "\x00lith\x07ium",
        "lithium " * 2000,
        '"',
        "after:99999-01-01",
        "before:0001-01-01",
        ":::",
        '-""',
        "é*",
    ],
)
def test_odd_queries_return_results_or_a_message(corpus, query):
    results = corpus.query(query)
    assert results.total >= 0


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=300))
def test_any_query_string_never_raises(corpus, text):
    results = corpus.query(text, page=2, per_page=2)
    assert results.total >= 0


def _add_batch(directory: str, start: int) -> None:
    index = SearchIndex(directory)
    for number in range(start, start + 25):
        index.add(doc(number, f"Lithium concurrent {number}.", created_at=datetime.now(UTC)))


def test_concurrent_writers_lose_nothing(tmp_path):
    directory = str(tmp_path / "search")
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_add_batch, args=(directory, 1 + 25 * n)) for n in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]
    assert SearchIndex(directory).query("lithium concurrent", per_page=1).total == 100


def test_long_phrases_need_the_words_in_a_row(index):
    index.add_many(
        [
            doc(1, "Suivi de la patiente en clinique externe."),
            doc(2, "Suivi de routine, puis de la patiente seule."),
        ]
    )
    assert ids(index.query('"suivi de la patiente"')) == {"post:1"}
    assert ids(index.query('"de la patiente"')) == {"post:1", "post:2"}


def test_denser_matches_rank_first_and_pages_cover_every_match(index):
    index.add_many([doc(n, f"Lithium {'suivi ' * (n % 7)}numéro {n}.") for n in range(1, 31)])
    index.add(doc(31, "Lithium, lithium et lithium."))  # a second segment
    first = index.query("lithium", per_page=10)
    assert first.total == 31 and first.hits[0].doc_id == "post:31"
    assert [h.score for h in first.hits] == sorted((h.score for h in first.hits), reverse=True)
    pages = [ids(index.query("lithium", page=p, per_page=10)) for p in (1, 2, 3, 4)]
    assert sum(map(len, pages)) == 31 and len(set().union(*pages)) == 31


def test_phrases_of_rare_words_check_positions(index):
    index.add_many(
        [
            doc(1, "Clozapine olanzapine instaurées ensemble."),
            doc(2, "Olanzapine, puis clozapine; jamais clozapine seule."),
            doc(3, "Clozapine le matin et olanzapine le soir."),
            doc(4, "Relapsing schizophrenia, clozapine olanzapine switch.", language="en"),
        ]
    )
    assert ids(index.query('"clozapine olanzapine"')) == {"post:1", "post:4"}
    assert ids(index.query('"clozapine le matin"')) == {"post:3"}
    assert ids(index.query('"olanzapine le matin"')) == set()
    assert ids(index.query('"relapsing schizophrenia"')) == {"post:4"}


def test_many_small_commits_stay_correct_and_purge_removes_deleted(index, tmp_path):
    for n in range(1, 41):
        index.add(doc(n, "Note: lithium xylophonique." if n == 1 else "Note: lithium et suivi."))
    for n in range(1, 41, 2):
        index.add(doc(n, "Note révisée sans le sel."))
    assert index.query("lithium").total == 20
    assert index.doc_count() == 40

    def on_disk() -> bool:
        folder = current_folder(tmp_path / "search")
        return any(b"xylophoniq" in path.read_bytes() for path in folder.iterdir())

    assert on_disk() and index.query("xylophonique").total == 0
    index.purge()
    assert not on_disk()
    assert index.query("lithium").total == 20 and index.doc_count() == 40
