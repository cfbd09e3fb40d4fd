"""`flask cop reindex` end to end: the synthetic corpus of bench_search, read from a database.

Loads the realistic corpus (default 100,000 posts, one case per ten posts) into a fresh
database with bulk inserts, then times what the command does: read every published post
with its case, tags and author, and rebuild the index in a new folder with ``--procs``
processes. SQLite in a temporary folder by default; ``--database-url`` (or
COP_BENCH_DATABASE_URL) for PostgreSQL, where the tables are created in a throwaway schema.

    python benchmarks/bench_reindex.py [--posts 100000] [--procs 2] [--database-url URL]
"""

from __future__ import annotations

import argparse
import html
import os
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_search import generate_realistic  # noqa: E402

from cop import create_app  # noqa: E402
from cop.extensions import db  # noqa: E402
from cop.models import Case, Institution, Member, Post, Tag  # noqa: E402
from cop.models.case import case_tag  # noqa: E402
from cop.search import corpus  # noqa: E402

KIND_OF_DOCUMENT = {"case": "case", "reply": "reply", "synthesis": "synthesis"}


def database(url: str | None, folder: Path) -> tuple[str, str | None]:
    """Return (SQLAlchemy URL, PostgreSQL schema to drop afterwards or None)."""
    if not url:
        return f"sqlite:///{folder / 'cop.db'}", None
    schema = f"bench_reindex_{uuid.uuid4().hex[:8]}"
    with create_engine(url).begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    return scoped.render_as_string(hide_password=False), schema


def load(posts: int) -> int:
    """Insert the corpus: members by (profession, sector), cases, posts, tags."""
    db.session.execute(insert(Institution), [{"id": 1, "name": "CIUSSS", "name_key": "ciusss"}])
    members: dict[tuple[str, str], int] = {}
    tags: dict[str, int] = {}
    cases, rows, links = [], [], set()
    for doc in generate_realistic(posts):
        key = (doc.profession, doc.sector)
        if key not in members:
            members[key] = len(members) + 1
        author = members[key]
        if doc.kind == "case":
            cases.append({"id": doc.case_id, "author_id": author, "title": doc.title[:160],
                          "state": doc.status, "language": doc.language,
                          "consent_basis": "deidentified", "professions_involved": [],
                          "sectors_involved": [], "created_at": doc.created_at,
                          "last_activity_at": doc.created_at})
        for tag in doc.tags:
            tags.setdefault(tag, len(tags) + 1)
            links.add((doc.case_id, tags[tag]))
        rows.append({"id": doc.post_id, "case_id": doc.case_id, "author_id": author,
                     "kind": KIND_OF_DOCUMENT[doc.kind], "status": "published",
                     "body": doc.body, "body_html": f"<p>{html.escape(doc.body)}</p>",
                     "created_at": doc.created_at})
    db.session.execute(insert(Member), [
        {"id": number, "email": f"m{number}@example.org", "password_hash": "x",
         "display_name": f"Member {number}", "handle": f"member{number}",
         "profession": profession, "sector": sector, "institution_id": 1}
        for (profession, sector), number in members.items()
    ])
    db.session.execute(insert(Tag), [{"id": i, "name": name} for name, i in tags.items()])
    for start in range(0, len(cases), 5_000):
        db.session.execute(insert(Case), cases[start:start + 5_000])
    db.session.execute(insert(case_tag), [{"case_id": c, "tag_id": t} for c, t in links])
    for start in range(0, len(rows), 5_000):
        db.session.execute(insert(Post), rows[start:start + 5_000])
    db.session.commit()
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--database-url", default=os.environ.get("COP_BENCH_DATABASE_URL"))
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-reindex-"))
    url, schema = database(args.database_url, folder)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SEARCH_DIR": str(folder / "search"),
                      "SECRET_KEY": "bench", "DEMO_DATA": False, "REDIS_URL": None,
                      "RATELIMIT_STORAGE_URI": "memory://"})
    engine_name = make_url(url).get_backend_name()
    try:
        with app.app_context():
            db.create_all()
            began = time.perf_counter()
            count = load(args.posts)
            print(f"{engine_name}: loaded {count} posts in {time.perf_counter() - began:.0f} s")
            db.session.remove()

            began = time.perf_counter()
            read = sum(1 for _ in corpus.all_documents())
            reading = time.perf_counter() - began
            db.session.remove()

            began = time.perf_counter()
            indexed = corpus.rebuild(procs=args.procs)
            elapsed = time.perf_counter() - began
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"reading every document alone: {read} in {reading:.1f} s")
            print(f"flask cop reindex --procs {args.procs}: {indexed} documents in "
                  f"{elapsed:.1f} s ({indexed / elapsed:.0f}/s); peak memory of this "
                  f"process {peak:.0f} MiB")
            db.session.remove()
            db.drop_all()
    finally:
        if schema:
            with create_engine(args.database_url).begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
