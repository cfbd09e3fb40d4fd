"""Benchmark the search engine against SQLite FTS5 on a bilingual synthetic corpus.

    python benchmarks/bench_search.py --posts 100000

Reports indexing rate, full-rebuild time, index size, and p50/p95 latency (top 10 with
highlighted snippets) for one-word, three-word, phrase and filtered queries, for
``SearchIndex.query`` with and without facets and for FTS5 (bm25 + snippet()).
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

from cop.search import SearchDocument, SearchIndex

FR_TOPICS = {
    "psychose": "psychose psychotique hallucinations délire antipsychotique clozapine "
    "schizophrénie négatifs désorganisation injectable observance rechute",
    "humeur": "dépression dépressif bipolaire lithium manie hypomanie lithémie "
    "antidépresseur insomnie ralentissement anhédonie valproate",
    "suicide": "suicidaires idées tentative crise urgence automutilation scarifications "
    "intoxication médicamenteuse surveillance filet sécurité",
    "jeunesse": "adolescent DPJ placement famille scolaire décrochage TDAH "
    "méthylphénidate impulsivité parents signalement",
    "substances": "toxicomanie sevrage cannabis alcool opioïdes méthadone "
    "buprénorphine réduction méfaits intoxication consommation",
    "itinérance": "itinérance refuge logement hébergement précarité rue "
    "travailleur social désaffiliation",
    "contrainte": "ordonnance garde P-38 hospitalisation hospitalisé hospitalisations "
    "tribunal consentement contention isolement aptitude",
    "personnalité": "personnalité limite TPL impulsivité abandon colère "
    "thérapie comportementale dialectique relation",
    "trauma": "trauma traumatisme ESPT TSPT cauchemars reviviscences évitement "
    "hypervigilance abus violence",
    "alimentaire": "anorexie boulimie TCA poids restriction vomissements dénutrition hospitalisée",
}
EN_TOPICS = {
    "psychosis": "psychosis psychotic hallucinations delusions antipsychotic clozapine "
    "schizophrenia negative disorganised injectable adherence relapse relapsing",
    "mood": "depression depressive bipolar lithium mania hypomania level "
    "antidepressant insomnia anhedonia valproate",
    "suicide": "suicidal ideation attempt crisis emergency self-harm cutting "
    "overdose monitoring safety plan",
    "youth": "adolescent youth protection placement family school dropout ADHD "
    "methylphenidate impulsivity parents report",
    "substance": "substance use withdrawal cannabis alcohol opioids methadone "
    "buprenorphine harm reduction intoxication",
    "homeless": "homelessness shelter housing precarious street social worker outreach",
    "coercion": "involuntary admission court order hospitalization hospitalized "
    "consent restraint seclusion capacity",
    "personality": "borderline personality disorder impulsivity abandonment anger "
    "dialectical behaviour therapy relationships",
    "trauma": "trauma PTSD nightmares flashbacks avoidance hypervigilance abuse violence",
    "eating": "anorexia bulimia eating disorder weight restriction vomiting malnutrition",
}
FR_COMMON = (
    "le la les de des du un une et en à au pour avec dans sur par patient patiente "
    "équipe suivi semaine mois depuis après avant traitement dose famille médecin "
    "infirmière psychiatre évaluation plan rencontre symptômes contexte soutien "
    "situation question avis clinique difficile récent actuel ancien important"
).split()
EN_COMMON = (
    "the a an of to in and for with on at by patient team follow-up week month since "
    "after before treatment dose family physician nurse psychiatrist assessment plan "
    "meeting symptoms context support situation question opinion clinical difficult "
    "recent current previous important"
).split()
TAGS = [
    "lithium",
    "psychose",
    "tpl",
    "suicide",
    "dpj",
    "sevrage",
    "itinerance",
    "p-38",
    "tdah",
    "tca",
    "trauma",
    "bipolaire",
    "clozapine",
    "adolescent",
    "urgence",
    "famille",
]
PROFESSIONS = ["nurse", "psychiatrist", "psychologist", "social-worker", "gp", "pharmacist"]
SECTORS = ["hospital", "community", "emergency", "youth", "private", "prison"]
KINDS = ["case"] + ["reply"] * 8 + ["synthesis"]


def _topic_words(topics: dict[str, str]) -> list[list[str]]:
    return [text.split() for text in topics.values()]


def generate(count: int, seed: int = 20261123) -> Iterator[SearchDocument]:
    """Yield ``count`` deterministic bilingual posts (~120 words, 70 % French)."""
    rng = random.Random(seed)
    fr_topics, en_topics = _topic_words(FR_TOPICS), _topic_words(EN_TOPICS)
    start = datetime(2023, 1, 1)
    for number in range(1, count + 1):
        french = rng.random() < 0.7
        topic = rng.randrange(len(fr_topics))
        words: list[str] = []
        for _ in range(120):
            lang_fr = french if rng.random() < 0.9 else not french
            pool = (fr_topics if lang_fr else en_topics)[topic]
            common = FR_COMMON if lang_fr else EN_COMMON
            words.append(rng.choice(pool) if rng.random() < 0.35 else rng.choice(common))
        body = " ".join(words).capitalize() + "."
        case_id = (number - 1) // 10 + 1
        kind = "case" if number % 10 == 1 else rng.choice(KINDS[1:])
        yield SearchDocument(
            doc_id=f"post:{number}",
            kind=kind,
            case_id=case_id,
            post_id=number,
            title=" ".join(rng.sample((fr_topics if french else en_topics)[topic], 4)),
            body=body,
            tags=rng.sample(TAGS, rng.randint(1, 3)),
            status=rng.choice(["open", "open", "resolved"]),
            profession=rng.choice(PROFESSIONS),
            sector=rng.choice(SECTORS),
            language="fr" if french else "en",
            author=f"Member {number % 500}",
            created_at=start + timedelta(minutes=number * 7),
        )


def make_queries(
    per_type: int, docs: list[SearchDocument], seed: int = 7
) -> dict[str, list[tuple[str, dict]]]:
    """Return varied queries per type as (whoosh query string, fts parts) pairs."""
    rng = random.Random(seed)
    topics = _topic_words(FR_TOPICS) + _topic_words(EN_TOPICS)
    single = sorted({w for t in topics for w in t if "-" not in w})
    queries: dict[str, list[tuple[str, dict]]] = {
        k: [] for k in ("one", "three", "phrase", "filter")
    }
    for _ in range(per_type):
        word = rng.choice(single)
        queries["one"].append((word, {"words": [word]}))
        three = rng.sample([w for w in rng.choice(topics) if "-" not in w], 3)
        queries["three"].append((" ".join(three), {"words": three}))
        body = rng.choice(docs).body.rstrip(".").lower().split()
        at = rng.randrange(len(body) - 3)
        pair = [w for w in body[at : at + rng.choice((2, 3))] if "-" not in w] or [word]
        queries["phrase"].append((f'"{" ".join(pair)}"', {"phrase": pair}))
        tag, status = rng.choice(TAGS), rng.choice(["open", "resolved"])
        queries["filter"].append(
            (f"{word} tag:{tag} status:{status}", {"words": [word], "tag": tag, "status": status})
        )
    return queries


def percentile(values: list[float], fraction: float) -> float:
    """Return the ``fraction`` percentile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def timed(function: Callable[[], object], runs: list[float]) -> None:
    """Append the duration of one call, in milliseconds, to ``runs``."""
    began = time.perf_counter()
    function()
    runs.append((time.perf_counter() - began) * 1000)


def folder_size(path: Path) -> int:
    """Return the total size of files under ``path``, in bytes."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def build_fts(docs: list[SearchDocument], path: Path) -> tuple[sqlite3.Connection, float]:
    """Index ``docs`` into an FTS5 table; return the connection and the seconds taken."""
    began = time.perf_counter()
    db = sqlite3.connect(path)
    db.execute(
        "CREATE VIRTUAL TABLE posts USING fts5(title, body, tags, status UNINDEXED, "
        "tokenize='unicode61 remove_diacritics 2')"
    )
    db.executemany(
        "INSERT INTO posts(rowid, title, body, tags, status) VALUES (?, ?, ?, ?, ?)",
        ((d.post_id, d.title, d.body, " ".join(d.tags), d.status) for d in docs),
    )
    db.commit()
    return db, time.perf_counter() - began


def fts_query(db: sqlite3.Connection, parts: dict) -> list[tuple]:
    """Run one FTS5 query: top 10 by bm25 with a highlighted snippet, plus the count."""
    if "phrase" in parts:
        match = '"' + " ".join(parts["phrase"]) + '"'
    else:
        match = " ".join('"' + w.replace('"', "") + '"' for w in parts["words"])
    if "tag" in parts:
        match = f'({match}) AND tags:"{parts["tag"]}"'
    where, args = "posts MATCH ?", [match]
    if "status" in parts:
        where += " AND status = ?"
        args.append(parts["status"])
    db.execute(f"SELECT count(*) FROM posts WHERE {where}", args).fetchone()
    return db.execute(
        f"SELECT rowid, title, snippet(posts, 1, '<mark>', '</mark>', '…', 24) "
        f"FROM posts WHERE {where} ORDER BY bm25(posts) LIMIT 10",
        args,
    ).fetchall()


def main() -> None:
    """Run the benchmark and print a report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--procs", type=int, default=2, help="processes for the rebuild")
    parser.add_argument("--dir", type=Path, default=None, help="work folder (default: tmp)")
    args = parser.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="bench-search-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"corpus: {args.posts} posts, work folder {work}")
    docs = list(generate(args.posts))
    words = sum(len(d.body.split()) for d in docs) / len(docs)
    print(f"generated, {words:.0f} words/post on average")

    index = SearchIndex(work / "whoosh", rebuild_procs=args.procs)
    began = time.perf_counter()
    index.rebuild(docs)
    rebuild = time.perf_counter() - began
    size = folder_size(work / "whoosh")
    print(
        f"whoosh full rebuild (procs={args.procs}): {rebuild:.1f} s, "
        f"{len(docs) / rebuild:.0f} posts/s, index {size / 2**20:.0f} MiB"
    )
    incremental = docs[:200]
    began = time.perf_counter()
    for doc in incremental[:100]:
        index.add(doc)
    index.add_many(incremental[100:])
    elapsed = time.perf_counter() - began
    print(f"whoosh live upserts: 100 single adds + 1 batch of 100 in {elapsed:.2f} s")

    db, fts_seconds = build_fts(docs, work / "fts.sqlite3")
    print(
        f"fts5 build: {fts_seconds:.1f} s, {len(docs) / fts_seconds:.0f} posts/s, "
        f"file {folder_size(work) - folder_size(work / 'whoosh') >> 20} MiB"
    )

    queries = make_queries(args.queries, docs)
    index.query("warm up")
    print(f"\n{'type':8} {'engine':16} {'p50 ms':>8} {'p95 ms':>8} {'avg hits':>9}")
    for kind, items in queries.items():
        figures = {}
        for engine in ("whoosh+facets", "whoosh", "fts5"):
            runs: list[float] = []
            totals = []
            for text, parts in items:
                if engine == "fts5":
                    timed(lambda parts=parts: fts_query(db, parts), runs)
                else:
                    facets = engine == "whoosh+facets"
                    result = []
                    timed(
                        lambda t=text, f=facets, r=result: r.append(
                            index.query(t, per_page=10, facets=f)
                        ),
                        runs,
                    )
                    totals.append(result[0].total)
            figures[engine] = runs
            hits = f"{statistics.mean(totals):9.0f}" if totals else ""
            print(
                f"{kind:8} {engine:16} {percentile(runs, 0.5):8.1f} "
                f"{percentile(runs, 0.95):8.1f} {hits}"
            )
        ratio50 = percentile(figures["whoosh+facets"], 0.5) / percentile(figures["fts5"], 0.5)
        ratio95 = percentile(figures["whoosh+facets"], 0.95) / percentile(figures["fts5"], 0.95)
        print(f"{kind:8} ratio whoosh+facets/fts5: p50 ×{ratio50:.1f}, p95 ×{ratio95:.1f}")


if __name__ == "__main__":
    main()
