"""The moderators' audit trail: who, when, which item, which kinds, how many spans."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select

from cop.extensions import db
from cop.models import AuditEntry, Member

CSV_COLUMNS = ("id", "created_at", "moderator", "action", "target_type", "target_id",
               "case_id", "kinds", "span_count")


def record(moderator: Member, action: str, target_type: str, target_id: int,
           case_id: int | None, kinds: Iterable[str] = (), span_count: int = 0) -> AuditEntry:
    """Add an audit row to the session (the caller commits with the action itself)."""
    entry = AuditEntry(
        moderator_id=moderator.id, action=action, target_type=target_type, target_id=target_id,
        case_id=case_id, kinds=",".join(sorted(set(kinds))), span_count=span_count,
    )
    db.session.add(entry)
    return entry


def entries(page: int, per_page: int = 50) -> Pagination:
    query = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def export_csv() -> Iterator[str]:
    """The whole log as CSV, streamed row by row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return value

    writer.writerow(CSV_COLUMNS)
    yield flush()
    query = select(AuditEntry).order_by(AuditEntry.id)
    for entry in db.session.scalars(query).yield_per(500):
        writer.writerow([
            entry.id, entry.created_at.isoformat(), entry.moderator.display_name, entry.action,
            entry.target_type, entry.target_id, entry.case_id or "", entry.kinds,
            entry.span_count,
        ])
        yield flush()
