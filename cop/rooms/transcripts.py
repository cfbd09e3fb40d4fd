"""Room transcripts: one search document per case and day, shown and searched with the case.

The document of a day holds the plain text of that day's published messages, with authors.
Re-indexing after each message is debounced per case (``ROOM_TRANSCRIPT_DELAY`` seconds,
default 2; 0 re-indexes at once, as the tests do) so a busy room costs one index write per
delay, not one per message.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from sqlalchemy import select

from cop.extensions import db
from cop.models import Case, PostStatus, RoomMessage
from cop.rendering import html_text
from cop.search.index import SearchDocument
from cop.search.services import search_index

log = logging.getLogger(__name__)
DEFAULT_DELAY = 2.0


@dataclass(frozen=True)
class TranscriptDay:
    day: date
    messages: list[RoomMessage]


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC")


def local_day(moment: datetime) -> date:
    """The calendar day of a message where the community lives (not UTC midnight)."""
    return moment.astimezone(_zone()).date()


def _messages(case_id: int, published_only: bool) -> list[RoomMessage]:
    query = select(RoomMessage).where(RoomMessage.case_id == case_id).order_by(RoomMessage.id)
    if published_only:
        query = query.where(RoomMessage.status == PostStatus.PUBLISHED.value)
    return list(db.session.scalars(query))


def transcript_days(case: Case) -> list[TranscriptDay]:
    """Published messages of a case grouped by local day, oldest first."""
    days: dict[date, list[RoomMessage]] = defaultdict(list)
    for message in _messages(case.id, published_only=True):
        days[local_day(message.created_at)].append(message)
    return [TranscriptDay(day, messages) for day, messages in sorted(days.items())]


def doc_id(case_id: int, day: date) -> str:
    return f"transcript:{case_id}:{day.isoformat()}"


def _indexable(case: Case) -> bool:
    return case.opening.status == PostStatus.PUBLISHED


@lru_cache(maxsize=4096)
def _plain(body_html: str) -> str:
    """Plain text of a message's stored HTML. A busy room re-indexes its whole day every few
    seconds: extracting each message again each time cost time with the GIL held."""
    return html_text(body_html)


def transcript_documents(case: Case) -> list[SearchDocument]:
    """One search document per day of published messages (none while the case is not public)."""
    if not _indexable(case):
        return []
    documents = []
    for entry in transcript_days(case):
        lines = [f"{m.author.display_name}: {_plain(m.body_html)}" for m in entry.messages]
        authors = dict.fromkeys(m.author.display_name for m in entry.messages)
        documents.append(SearchDocument(
            doc_id=doc_id(case.id, entry.day),
            kind="transcript",
            case_id=case.id,
            title=case.title,
            body="\n".join(lines),
            created_at=entry.messages[0].created_at,
            tags=[tag.name for tag in case.tags],
            status=case.state,
            language=case.language,
            author=", ".join(authors),
        ))
    return documents


def reindex_transcripts(case: Case) -> None:
    """Replace the transcript documents of a case by what is published now."""
    documents = transcript_documents(case)
    kept = {document.doc_id for document in documents}
    index = search_index()
    stale = {doc_id(case.id, local_day(m.created_at)) for m in _messages(case.id, False)} - kept
    for old in sorted(stale):
        index.remove(old)
    if documents:
        index.add_many(documents)


class _Debouncer:
    """At most one pending re-index per case and process."""

    def __init__(self) -> None:
        self._pending: set[int] = set()
        self._lock = threading.Lock()

    def schedule(self, app: Flask, case_id: int, delay: float) -> None:
        with self._lock:
            if case_id in self._pending:
                return
            self._pending.add(case_id)
        timer = threading.Timer(delay, self._run, args=(app, case_id))
        timer.daemon = True
        timer.start()

    def _run(self, app: Flask, case_id: int) -> None:
        with self._lock:
            self._pending.discard(case_id)
        with app.app_context():
            try:
                _reindex_by_id(case_id)
            except Exception:  # a background re-index must not kill the timer thread silently
                log.exception("re-indexing the transcripts of case %s failed", case_id)
            finally:
                db.session.remove()


def _reindex_by_id(case_id: int) -> None:
    case = db.session.get(Case, case_id)
    if case is not None:
        reindex_transcripts(case)


def schedule_reindex(case_id: int) -> None:
    """Re-index a case's transcripts soon (at once when the delay is 0)."""
    delay = float(current_app.config.get("ROOM_TRANSCRIPT_DELAY", DEFAULT_DELAY))
    if delay <= 0:
        _reindex_by_id(case_id)
        return
    debouncer = current_app.extensions.setdefault("cop_transcript_debouncer", _Debouncer())
    debouncer.schedule(current_app._get_current_object(), case_id, delay)
