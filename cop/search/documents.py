"""What goes into the search index and what comes out of it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

Kind = Literal["case", "reply", "synthesis", "transcript"]
KINDS: tuple[str, ...] = ("case", "reply", "synthesis", "transcript")
STATUSES: tuple[str, ...] = ("open", "resolved")
FACET_NAMES: tuple[str, ...] = ("kind", "status", "profession", "sector", "tag")


@dataclass
class SearchDocument:
    """One searchable text; ``body`` is plain text (the caller strips Markdown)."""

    doc_id: str
    kind: str
    case_id: int
    title: str
    body: str
    created_at: datetime
    post_id: int | None = None
    tags: list[str] = field(default_factory=list)
    status: str = "open"
    profession: str = ""
    sector: str = ""
    language: str = "fr"
    author: str = ""

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict (used by the rebuild journal)."""
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SearchDocument:
        """Inverse of :meth:`to_json`."""
        return cls(**{**data, "created_at": datetime.fromisoformat(data["created_at"])})


@dataclass
class SearchHit:
    """One result; ``snippet_html`` is safe HTML whose only tags are ``<mark>``."""

    doc_id: str
    kind: str
    case_id: int
    post_id: int | None
    title: str
    snippet_html: str
    score: float
    status: str
    profession: str
    sector: str
    tags: list[str]
    created_at: datetime
    author: str = ""
    language: str = ""

    @classmethod
    def from_stored(cls, stored: dict[str, Any], snippet: str, score: float | None) -> SearchHit:
        """Build a hit from the index's stored fields."""
        return cls(
            doc_id=stored["doc_id"],
            kind=stored["kind"],
            case_id=int(stored["case_id"]),
            post_id=stored.get("post_id"),
            title=stored.get("title", ""),
            snippet_html=snippet,
            score=float(score or 0.0),
            status=stored.get("status", ""),
            profession=stored.get("profession", ""),
            sector=stored.get("sector", ""),
            tags=list(stored.get("tag_list") or []),
            created_at=stored["created"],
            author=stored.get("author", ""),
            language=stored.get("language", ""),
        )


@dataclass
class SearchResults:
    """A page of hits, facet counts over all matches, and user-facing hints."""

    total: int = 0
    hits: list[SearchHit] = field(default_factory=list)
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    suggestion: str | None = None
    message: str | None = None
    page: int = 1
    per_page: int = 20

    @property
    def pages(self) -> int:
        """Number of pages for ``total`` hits."""
        return max(1, -(-self.total // self.per_page))
