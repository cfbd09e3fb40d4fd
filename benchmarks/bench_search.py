"""Benchmark the search engine against SQLite FTS5 on a bilingual synthetic corpus.

    python benchmarks/bench_search.py --posts 100000           # realistic corpus
    python benchmarks/bench_search.py --posts 100000 --harsh   # the original corpus

Two deterministic corpora (same seed, same output on every run):

* ``--harsh`` (the original generator): 10 topics of about 12 words each, 35 % of a post's
  words drawn from its topic. A topic word appears in ~10 % of all posts and a common word
  in most, so every one-word query matches ~10,000 of 100,000 posts: a worst case.
* realistic (default): a vocabulary of about 2,400 FR + EN clinical words (real words,
  their inflections, and drug-like names), drawn with a Zipf law (s = 1.05) as natural
  text is; each post mixes 1-3 of 60 topics (a topic favours ~80 words) with function
  words. A one-word query then matches tens to a few thousand posts, as in real forums.
  Queries are drawn the same way for both corpora (topic words, one post's consecutive
  words for phrases).

Reports indexing rate, full-rebuild time, index size, and p50/p95 latency (top 10 with
highlighted snippets) for one-word, three-word, phrase and filtered queries, for
``SearchIndex.query`` with and without facets and for FTS5 (bm25 + snippet()).
"""

from __future__ import annotations

import argparse
import bisect
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


FR_STEMS = (
    "anxiété angoisse panique phobie obsession compulsion tic insomnie sommeil fatigue "
    "douleur céphalée migraine vertige nausée appétit poids glycémie tension pouls "
    "fièvre infection plaie pansement chute fracture mobilité autonomie démence "
    "confusion délirium agitation agressivité errance mémoire cognition langage "
    "grossesse allaitement nourrisson enfant adolescent aîné proche aidant tuteur "
    "curateur mandat inaptitude signalement enquête plainte police tribunal avocat "
    "ordonnance prescription posologie interaction effet indésirable sédation "
    "akathisie dyskinésie prise poids surveillance électrocardiogramme prolactine "
    "clozapine olanzapine rispéridone quétiapine aripiprazole halopéridol lorazépam "
    "clonazépam sertraline fluoxétine venlafaxine mirtazapine trazodone lithium "
    "valproate lamotrigine méthadone buprénorphine naloxone naltrexone acamprosate "
    "psychothérapie entretien motivationnel alliance rechute rémission récidive "
    "hospitalisation urgence congé transfert consultation référence liaison "
    "itinérance logement refuge revenu emploi école décrochage intimidation deuil "
    "divorce isolement solitude spiritualité culture interprète immigration réfugié "
    "autochtone communauté territoire rural éloignement télésanté"
).split()
EN_STEMS = (
    "anxiety panic phobia obsession compulsion insomnia sleep fatigue pain headache "
    "migraine dizziness nausea appetite weight glucose pressure fever infection wound "
    "fall fracture mobility autonomy dementia confusion delirium agitation aggression "
    "wandering memory cognition language pregnancy breastfeeding infant child teenager "
    "elder caregiver guardian capacity consent complaint police court lawyer "
    "prescription dosage interaction side effect sedation akathisia dyskinesia "
    "monitoring electrocardiogram prolactin olanzapine risperidone quetiapine "
    "aripiprazole haloperidol lorazepam clonazepam sertraline fluoxetine venlafaxine "
    "mirtazapine trazodone lamotrigine naloxone naltrexone psychotherapy interview "
    "motivational alliance relapse remission recurrence admission discharge transfer "
    "referral liaison homelessness housing shelter income employment school bullying "
    "grief divorce loneliness spirituality culture interpreter immigration refugee "
    "indigenous community remote telehealth"
).split()
FR_ENDINGS = ("s", "e", "es", "ique", "iques", "ée", "ées", "ement", "ant")
EN_ENDINGS = ("s", "ed", "ing", "ic", "al", "ly")
SYLLABLES = "ba ca da fa la ma na pa ra sa ta va zo xi ne lo mi tu pre tri qui cy".split()
DRUG_ENDINGS = ("zapine", "oxétine", "azépam", "idone", "amide", "olol", "pril", "statine")
FR_FUNCTION = (
    "le la les de des du un une et en à au pour avec dans sur par il elle qui que ne pas "
    "est a été sont plus très aussi mais ou son sa ses ce cette nous on"
).split()
EN_FUNCTION = (
    "the a an of to in and for with on at by is was are be it he she who that not this "
    "has have had more very also but or his her their we"
).split()


def _vocabulary(rng: random.Random) -> tuple[list[str], list[str]]:
    """Return (French, English) vocabularies, most frequent first (about 2,400 words)."""
    def inflect(stems: tuple[str, ...] | list[str], endings: tuple[str, ...]) -> list[str]:
        words = list(stems)
        for stem in stems:
            words += [stem + ending for ending in rng.sample(endings, 3)]
        return words

    drugs = [
        "".join(rng.sample(SYLLABLES, 2)) + rng.choice(DRUG_ENDINGS) for _ in range(1300)
    ]
    french = inflect(FR_STEMS + FR_COMMON, FR_ENDINGS) + drugs[:650]
    english = inflect(EN_STEMS + EN_COMMON, EN_ENDINGS) + drugs[650:]
    rng.shuffle(french)
    rng.shuffle(english)
    return list(dict.fromkeys(french)), list(dict.fromkeys(english))


class _Zipf:
    """Deterministic Zipf sampler over a ranked list (s = 1.05)."""

    def __init__(self, words: list[str], rng: random.Random, exponent: float = 1.05) -> None:
        self.words = words
        self.rng = rng
        weights = [1 / (rank**exponent) for rank in range(1, len(words) + 1)]
        total = 0.0
        self.cumulative = []
        for weight in weights:
            total += weight
            self.cumulative.append(total)

    def __call__(self) -> str:
        point = self.rng.random() * self.cumulative[-1]
        return self.words[bisect.bisect_left(self.cumulative, point)]


def realistic_topics(seed: int = 20261123) -> tuple[list[list[str]], list[list[str]], tuple]:
    """Return 60 FR and 60 EN topics (~80 favoured words each) and the vocabularies."""
    rng = random.Random(seed)
    french, english = _vocabulary(rng)
    fr_topics = [rng.sample(french[30:], 80) for _ in range(60)]
    en_topics = [rng.sample(english[30:], 80) for _ in range(60)]
    return fr_topics, en_topics, (french, english)


def generate_realistic(count: int, seed: int = 20261123) -> Iterator[SearchDocument]:
    """Yield ``count`` deterministic posts (~120 words, 70 % French), Zipf vocabulary."""
    fr_topics, en_topics, (french, english) = realistic_topics(seed)
    rng = random.Random(seed + 1)
    background = {True: _Zipf(french, rng), False: _Zipf(english, rng)}
    start = datetime(2023, 1, 1)
    for number in range(1, count + 1):
        french_post = rng.random() < 0.7
        mixture = rng.sample(range(60), rng.randint(1, 3))
        words: list[str] = []
        for _ in range(rng.randint(40, 200)):
            lang_fr = french_post if rng.random() < 0.9 else not french_post
            roll = rng.random()
            if roll < 0.35:
                words.append(rng.choice(FR_FUNCTION if lang_fr else EN_FUNCTION))
            elif roll < 0.6:
                topic = (fr_topics if lang_fr else en_topics)[rng.choice(mixture)]
                words.append(topic[min(int(rng.expovariate(1 / 12)), len(topic) - 1)])
            else:
                words.append(background[lang_fr]())
        topic = (fr_topics if french_post else en_topics)[mixture[0]]
        case_id = (number - 1) // 10 + 1
        yield SearchDocument(
            doc_id=f"post:{number}",
            kind="case" if number % 10 == 1 else rng.choice(KINDS[1:]),
            case_id=case_id,
            post_id=number,
            title=" ".join(rng.sample(topic[:20], 4)),
            body=" ".join(words).capitalize() + ".",
            tags=rng.sample(TAGS, rng.randint(1, 3)),
            status=rng.choice(["open", "open", "resolved"]),
            profession=rng.choice(PROFESSIONS),
            sector=rng.choice(SECTORS),
            language="fr" if french_post else "en",
            author=f"Member {number % 500}",
            created_at=start + timedelta(minutes=number * 7),
        )


def make_queries(
    per_type: int, docs: list[SearchDocument], seed: int = 7, harsh: bool = True
) -> dict[str, list[tuple[str, dict]]]:
    """Return varied queries per type as (whoosh query string, fts parts) pairs."""
    rng = random.Random(seed)
    if harsh:
        topics = _topic_words(FR_TOPICS) + _topic_words(EN_TOPICS)
    else:
        fr_topics, en_topics, _ = realistic_topics()
        topics = [t[:25] for t in fr_topics + en_topics]
    single = sorted({w for t in topics for w in t if "-" not in w})
    queries: dict[str, list[tuple[str, dict]]] = {
        k: [] for k in ("one", "three", "phrase", "filter")
    }
    for _ in range(per_type):
        word = rng.choice(single)
        queries["one"].append((word, {"words": [word]}))
        three = rng.sample([w for w in rng.choice(topics) if "-" not in w][:12], 3)
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
    parser.add_argument("--harsh", action="store_true", help="the original 10-topic corpus")
    args = parser.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="bench-search-"))
    work.mkdir(parents=True, exist_ok=True)
    name = "harsh (10 topics)" if args.harsh else "realistic (Zipf, 60 topics)"
    print(f"corpus: {args.posts} posts, {name}, work folder {work}")
    docs = list((generate if args.harsh else generate_realistic)(args.posts))
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

    queries = make_queries(args.queries, docs, harsh=args.harsh)
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
