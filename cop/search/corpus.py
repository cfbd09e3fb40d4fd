"""Everything the index should hold, rebuilt from the database: posts and room transcripts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import chain

from sqlalchemy import select

from cop.extensions import db
from cop.models import Case, RoomMessage
from cop.rooms.transcripts import transcript_documents
from cop.search.index import SearchDocument
from cop.search.services import post_documents, search_index


def transcripts(batch: int = 100) -> Iterator[SearchDocument]:
    """The room transcripts of every case that has room messages (most cases have none)."""
    with_messages = select(RoomMessage.case_id).distinct()
    cases = (
        select(Case)
        .where(Case.id.in_(with_messages))
        .order_by(Case.id)
        .execution_options(yield_per=batch)
    )
    for case in db.session.scalars(cases):
        yield from transcript_documents(case)


def all_documents() -> Iterator[SearchDocument]:
    return chain(post_documents(), transcripts())


def count() -> int:
    return sum(1 for _ in all_documents())


def rebuild(progress: Callable[[int], None] | None = None, procs: int = 1) -> int:
    """Rebuild the index from the database into a new folder and swap it in atomically.

    ``procs`` > 1 forks helper processes: for the command line, not a web request.
    """
    return search_index().rebuild(all_documents(), progress=progress, procs=procs)


def ensure_index() -> bool:
    """Rebuild the index when it is missing, unreadable or of an older schema.

    Returns True when it was rebuilt (search says so rather than failing).
    """
    health = search_index().ensure()
    if health == "ok":
        return False
    rebuild()
    return health == "reset" or count() > 0
