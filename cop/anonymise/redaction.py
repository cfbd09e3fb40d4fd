"""Redaction everywhere: one moderator action rewrites every copy of an identifier in a case.

The current texts, every revision, the stored HTML, the search index, room transcripts,
notifications and flag comments are rewritten; the audit row keeps kinds and counts only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from cop import publishing
from cop.anonymise import KINDS, audit, label_for
from cop.anonymise.moderation import require_moderator
from cop.errors import Invalid
from cop.extensions import db
from cop.models import Case, Flag, Member, Notification
from cop.rooms import services as rooms
from cop.search import services as search

MAX_SPANS = 50


@dataclass(frozen=True)
class Span:
    """A piece of text to remove, and what kind of identifier it is."""

    text: str
    kind: str


def _check(spans: list[Span]) -> list[Span]:
    clean = []
    for span in spans:
        text = (span.text or "").strip()
        if span.kind not in KINDS:
            raise Invalid(_("Choose the kind of each passage to redact."))
        if len(text) >= 2 and span not in clean:
            clean.append(Span(text, span.kind))
    if not clean or len(clean) > MAX_SPANS:
        raise Invalid(_("Select between 1 and %(count)d passages to redact.", count=MAX_SPANS))
    return clean


def rewriter(spans: list[Span], language: str) -> Callable[[str], str]:
    """A function replacing every occurrence of each span (any case) with its label."""
    ordered = sorted(spans, key=lambda span: len(span.text), reverse=True)
    labels = {span.text.casefold(): label_for(span.kind, language) for span in ordered}
    pattern = re.compile("|".join(re.escape(span.text) for span in ordered), re.IGNORECASE)

    def rewrite(text: str) -> str:
        if not text:
            return text
        return pattern.sub(lambda match: labels.get(match.group(0).casefold(), "[…]"), text)

    return rewrite


def _rewrite_case_rows(case: Case, rewrite: Callable[[str], str]) -> None:
    case.title = rewrite(case.title)
    for post in case.posts:
        post.body = rewrite(post.body)
        if post.sections:
            post.sections = {name: rewrite(value) for name, value in post.sections.items()}
        post.held_reason = rewrite(post.held_reason) if post.held_reason else None
        post.moderator_note = rewrite(post.moderator_note) if post.moderator_note else None
        publishing.render(post)
        for revision in post.revisions:
            revision.body = rewrite(revision.body)
            revision.title = rewrite(revision.title) if revision.title else revision.title
    for notification in db.session.scalars(
        select(Notification).where(Notification.case_id == case.id)
    ):
        notification.excerpt = rewrite(notification.excerpt)
    for flag in db.session.scalars(select(Flag).where(Flag.case_id == case.id)):
        flag.comment = rewrite(flag.comment)


def redact_everywhere(moderator: Member, case: Case, spans: list[Span], target_type: str,
                      target_id: int) -> int:
    """Remove the spans from every copy in the case; return how many passages were given."""
    require_moderator(moderator)
    spans = _check(spans)
    rewrite = rewriter(spans, case.language)
    with db.session.no_autoflush:
        _rewrite_case_rows(case, rewrite)
        changed_messages = rooms.rewrite_case_messages(case.id, rewrite)
    audit.record(moderator, "redact", target_type, target_id, case.id,
                 kinds=[span.kind for span in spans], span_count=len(spans))
    db.session.commit()
    rooms.announce_updated(changed_messages)
    search.index_case(case)
    search.purge_deleted()
    return len(spans)
