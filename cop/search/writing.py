"""Whoosh-level writing helpers: create, open a writer, apply operations, check health."""

from __future__ import annotations

import gc
import math
import time
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.index import LockError
from whoosh.reading import SegmentReader
from whoosh.writing import IndexWriter

from cop.search import storage
from cop.search.documents import SearchDocument
from cop.search.schema import SCHEMA_VERSION, build_schema, normalize_value, to_fields
from cop.search.segments import FastSegmentWriter
from cop.search.storage import IndexBusy

Operation = tuple[str, Any]
VERSION_FILE = "SCHEMA_VERSION"


def create_index(folder: Path) -> whoosh_index.Index:
    """Create an empty index of the current schema version in ``folder``."""
    ix = storage.create_index(folder, build_schema())
    (folder / VERSION_FILE).write_text(str(SCHEMA_VERSION), encoding="utf-8")
    return ix


def open_writer(ix: whoosh_index.Index, deadline: float) -> IndexWriter:
    """Open a writer, waiting for a foreign holder of Whoosh's own lock until ``deadline``.

    Segments are written as separate files (``compound=False``): Whoosh opens a file
    inside a compound segment as ``BytesIO(mmap slice)``, a copy of the whole file, so
    every reader (the writer's own, to delete the old version of a document, and each
    refreshed searcher) used to copy every segment's lexicon.
    """
    while True:
        try:
            return FastSegmentWriter(ix, timeout=2.0)
        except LockError:
            if time.monotonic() > deadline:
                raise IndexBusy("the search index is locked by another writer") from None


MERGE_FACTOR = 8
MERGE_BELOW = 10_000


def merge_tiers(writer: IndexWriter, segments: list[Any]) -> list[Any]:
    """Merge policy of live writes: a logarithmic merge of the small segments only.

    Segments are grouped in tiers by size (1-7 documents, 8-63, 64-511...); a tier
    holding ``MERGE_FACTOR`` segments is merged into one segment of the next tier, so a
    document is rewritten about log8(n) times, and most commits (a single reply) merge
    nothing. Whoosh's MERGE_SMALL merged at almost every commit. Segments of
    ``MERGE_BELOW`` documents or more (a rebuild's) are merged only by :meth:`purge`.
    """
    tiers: dict[int, list[Any]] = {}
    for segment in segments:
        count = segment.doc_count_all()
        if count < MERGE_BELOW:
            tier = int(math.log(max(count, 1), MERGE_FACTOR))
            tiers.setdefault(tier, []).append(segment)
    merged: list[Any] = []
    for tier in sorted(tiers):
        group = tiers[tier]
        if merged:
            # The merged segment lands in this tier: cascade when that fills it.
            if len(group) + 1 < MERGE_FACTOR:
                break
            merged += group
        elif len(group) >= MERGE_FACTOR:
            merged = list(group)
    if not merged:
        return segments
    for segment in merged:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [segment for segment in segments if segment not in merged]


def apply_operations(writer: IndexWriter, operations: Iterable[Operation]) -> None:
    """Apply ("add", doc json) / ("remove", doc_id) / ("remove_case", case_id) operations."""
    for action, payload in operations:
        if action == "add":
            writer.update_document(**to_fields(SearchDocument.from_json(payload)))
        elif action == "remove":
            writer.delete_by_term("doc_id", payload)
        elif action == "remove_case":
            writer.delete_by_term("case_id", str(payload))
        elif action == "remove_case_kinds":
            kinds = wq.Or([wq.Term("kind", normalize_value(kind)) for kind in payload["kinds"]])
            writer.delete_by_query(wq.And([wq.Term("case_id", str(payload["case_id"])), kinds]))


def is_healthy(folder: Path) -> bool:
    """Tell whether the index opens and reads; quiet Whoosh's leaked file handles.

    On a damaged file Whoosh raises without closing what it opened; collect those
    handles here, with their ResourceWarning ignored, rather than at a random later time.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        healthy = _opens(folder)
        gc.collect()
    return healthy


def _opens(folder: Path) -> bool:
    try:
        if (folder / VERSION_FILE).read_text(encoding="utf-8").strip() != str(SCHEMA_VERSION):
            return False
        ix = storage.open_index(folder)
        with ix.searcher() as searcher:
            if searcher.doc_count_all():
                next(iter(searcher.all_stored_fields()), None)
                list(searcher.lexicon("content"))[:1]
        return _shape(ix.schema) == _shape(build_schema())
    # A damaged index can fail in many ways (pickle, zlib, struct, OSError...): all mean
    # "rebuild it", which is exactly what the caller is told.
    except Exception:
        return False


def _shape(schema: Any) -> dict[str, str]:
    return {name: type(schema[name]).__name__ for name in schema.names()}
