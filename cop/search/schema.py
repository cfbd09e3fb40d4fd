"""The Whoosh schema and the conversion of a SearchDocument into indexed fields."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from whoosh import fields
from whoosh.analysis import Analyzer, Token
from whoosh.system import pack_uint

from cop.search.analysis import analyze, fold, iter_words, variants
from cop.search.documents import SearchDocument

# Bump when the schema or the analysis changes: an index of another version is rebuilt.
SCHEMA_VERSION = 3
_ONE = pack_uint(1)


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


class PairAnalyzer(Analyzer):
    """Emit the French and English stem pairs of adjacent words (phrase shingles)."""

    def __call__(self, value: str, **kwargs: Any) -> Iterator[Token]:
        token = Token(**kwargs)
        for text in analyze(value).pairs:
            token.text = text
            token.pos = 0
            yield token


class ContentField(fields.TEXT):
    """``content``: every variant of every word, with positions.

    ``index`` builds the postings straight from :func:`analyze` (one pass per text,
    cached stems) instead of Whoosh's per-token pipeline, which dominated indexing.
    """

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        if not isinstance(value, str):
            yield from super().index(value, **kwargs)
            return
        encode = self.format.encode
        for term, positions in analyze(value).positions.items():
            yield term.encode("utf-8"), len(positions), float(len(positions)), encode(positions)


class PairsField(fields.TEXT):
    """``pairs``: adjacent stem pairs, so a two-word phrase is a single posting list."""

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        if not isinstance(value, str):
            yield from super().index(value, **kwargs)
            return
        for term, count in analyze(value).pairs.items():
            yield term.encode("utf-8"), count, float(count), pack_uint(count)


class SpellField(fields.TEXT):
    """``spell``: each distinct folded word once (prefix queries and suggestions)."""

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        if not isinstance(value, str):
            yield from super().index(value, **kwargs)
            return
        for word in analyze(value).spelling:
            yield word.encode("utf-8"), 1, 1.0, _ONE


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
        content=ContentField(analyzer=ClinicalAnalyzer(), phrase=True),
        pairs=PairsField(analyzer=PairAnalyzer(), phrase=False),
        spell=SpellField(analyzer=SpellingAnalyzer(), phrase=False),
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
        "pairs": text,
        "spell": text,
        "post_id": doc.post_id,
        "title": doc.title,
        "body": doc.body,
        "tag_list": list(doc.tags),
        "author": doc.author,
        "created": doc.created_at,
    }
