"""Full-text search over cases and posts (Whoosh is confined to this package)."""

from __future__ import annotations

from cop.search.documents import SearchDocument, SearchHit, SearchResults
from cop.search.index import IndexBusy, SearchIndex

__all__ = ["IndexBusy", "SearchDocument", "SearchHit", "SearchIndex", "SearchResults"]
