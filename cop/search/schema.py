"""The Whoosh schema and the conversion of a SearchDocument into indexed fields."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from whoosh import fields
from whoosh.analysis import Analyzer, Token

from cop.search.analysis import fold, iter_words, variants
from cop.search.documents import SearchDocument

# Bump when the schema or the analysis changes: an index of another version is rebuilt.
SCHEMA_VERSION = 1


class ClinicalAnalyzer(Analyzer):
    """Emit every variant of each word (French and English stems) at the same position.

    One field then serves both languages: no MultifieldParser, no doubled positions.
    """

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, (word, start, end) in enumerate(iter_words(value), start_pos):
            if keeporiginal:
                token.original = word
            token.pos = pos
            token.startchar = start_char + start
            token.endchar = start_char + end
            for text in variants(word):
                token.text = text
                yield token


class SpellingAnalyzer(Analyzer):
    """Emit each distinct folded, unstemmed word once: the lexicon behind suggestions."""

    def __call__(self, value: str, **kwargs: Any) -> Iterator[Token]:
        token = Token(**kwargs)
        seen: set[str] = set()
        for word, _, _ in iter_words(value):
            folded = fold(word)
            if len(folded) > 2 and folded.isalpha() and folded not in seen:
                seen.add(folded)
                token.text = folded
                token.pos = 0
                yield token


def build_schema() -> fields.Schema:
    """Return the index schema; ``content`` holds title, body and tags; the rest filter/show."""
    return fields.Schema(
        doc_id=fields.ID(unique=True, stored=True),
        case_id=fields.ID(stored=True),
        kind=fields.ID(stored=True),
        status=fields.ID(stored=True),
        profession=fields.ID(stored=True),
        sector=fields.ID(stored=True),
        tags=fields.KEYWORD(commas=True, scorable=False),
        language=fields.ID(stored=True),
        created_at=fields.DATETIME(sortable=True),
        content=fields.TEXT(analyzer=ClinicalAnalyzer(), phrase=True),
        spell=fields.TEXT(analyzer=SpellingAnalyzer(), phrase=False),
        post_id=fields.STORED(),
        title=fields.STORED(),
        body=fields.STORED(),
        tag_list=fields.STORED(),
        author=fields.STORED(),
        created=fields.STORED(),
    )


def normalize_value(value: str) -> str:
    """Normalise a filter value (kind, status, profession, sector, tag)."""
    return fold(" ".join(value.split()))


def naive_utc(moment: datetime) -> datetime:
    """Return ``moment`` as a naive UTC datetime (Whoosh stores naive datetimes)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def to_fields(doc: SearchDocument) -> dict[str, Any]:
    """Return the keyword arguments of ``writer.add_document`` for ``doc``."""
    tags = [normalize_value(tag).replace(",", " ") for tag in doc.tags if tag.strip()]
    text = f"{doc.title}\n{doc.body}\n{' '.join(doc.tags)}"
    return {
        "doc_id": doc.doc_id,
        "case_id": str(doc.case_id),
        "kind": normalize_value(doc.kind),
        "status": normalize_value(doc.status),
        "profession": normalize_value(doc.profession),
        "sector": normalize_value(doc.sector),
        "tags": ",".join(tags),
        "language": normalize_value(doc.language),
        "created_at": naive_utc(doc.created_at),
        "content": text,
        "spell": text,
        "post_id": doc.post_id,
        "title": doc.title,
        "body": doc.body,
        "tag_list": list(doc.tags),
        "author": doc.author,
        "created": doc.created_at,
    }
