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
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.index import LockError
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.reading import SegmentReader
from whoosh.util.numeric import byte_to_length
from whoosh.writing import IndexWriter, SegmentWriter

from cop.search import storage
from cop.search.documents import SearchDocument
from cop.search.schema import SCHEMA_VERSION, build_schema, normalize_value, to_fields
from cop.search.storage import IndexBusy

Operation = tuple[str, Any]
VERSION_FILE = "SCHEMA_VERSION"


def create_index(folder: Path) -> whoosh_index.Index:
    """Create an empty index of the current schema version in ``folder``."""
    ix = storage.create_index(folder, build_schema())
    (folder / VERSION_FILE).write_text(str(SCHEMA_VERSION), encoding="utf-8")
    return ix


_BYTE_LENGTHS = [byte_to_length(b) for b in range(256)]


class _Lengths:
    """Field lengths of a new segment, read once per field instead of once per posting.

    Whoosh's ``add_postings`` asks ``doc_field_length`` for every posting (a seek and a
    struct unpack each time): about a fifth of the indexing time in the profile.
    """

    def __init__(self, perdoc: Any) -> None:
        self._perdoc = perdoc
        self._cache: dict[str, list[int]] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        lengths = self._cache.get(fieldname)
        if lengths is None:
            lengths = self._cache[fieldname] = self._read(fieldname)
        return lengths[docnum] if docnum < len(lengths) else default

    def _read(self, fieldname: str) -> list[int]:
        perdoc = self._perdoc
        name = _lenfield(fieldname)
        if not perdoc.has_column(name):
            return []
        column = perdoc._cached_reader(name, LENGTHS_COLUMN)
        raw = bytes(column._dbfile.get(column._basepos, column._count))
        return [_BYTE_LENGTHS[b] for b in raw]


class FastSegmentWriter(SegmentWriter):
    """A SegmentWriter whose flush reads field lengths once per field."""

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        perdoc = self.per_document_reader() if self.codec.length_stats else None
        lengths = _Lengths(perdoc) if perdoc is not None else None
        self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
        self.fieldwriter.close()
        if perdoc is not None:
            perdoc.close()


class _FastSubWriterTask(SubWriterTask):
    """Whoosh's indexing sub-process, writing its own segment with FastSegmentWriter."""

    def run(self) -> None:  # pragma: no cover - runs in a child process
        ix = self.storage.open_index(self.indexname)
        writer = self.writer = FastSegmentWriter(ix, _lk=False, **self.kwargs)
        while self.running:
            jobinfo = self.jobqueue.get()
            if jobinfo is None:
                break
            self._process_file(*jobinfo)
        if not self.running:
            writer.cancel()
            return
        segment = writer._finalize_segment()
        self.resultqueue.put((None, writer.pool.fieldnames, segment), timeout=5)


class ParallelWriter(MpWriter):
    """``procs`` sub-processes, each writing one segment (``multisegment=True``)."""

    def __init__(self, ix: whoosh_index.Index, procs: int, **kwargs: Any) -> None:
        super().__init__(ix, procs=procs, multisegment=True, subargs=kwargs, **kwargs)

    def _new_task(self) -> _FastSubWriterTask:
        task = _FastSubWriterTask(
            self.storage, self.indexname, self.jobqueue, self.resultqueue,
            self.subargs, True,
        )
        self.tasks.append(task)
        task.start()
        return task

    def _flush_segment(self) -> None:
        FastSegmentWriter._flush_segment(self)  # type: ignore[arg-type]


def bulk_writer(ix: whoosh_index.Index, procs: int, limitmb: int) -> IndexWriter:
    """Return the writer of a full rebuild: parallel above one process."""
    if procs > 1:
        return ParallelWriter(ix, procs, limitmb=limitmb, compound=False)
    return FastSegmentWriter(ix, limitmb=limitmb, compound=False)


def open_writer(ix: whoosh_index.Index, deadline: float) -> IndexWriter:
    """Open a writer, waiting for a foreign holder of Whoosh's own lock until ``deadline``.

    Segments are written as separate files (``compound=False``): Whoosh opens a file
    inside a compound segment as ``BytesIO(mmap slice)``, a copy of the whole file, so
    every reader (the writer's own, to delete the old version of a document, and each
    refreshed searcher) used to copy every segment's lexicon.
    """
    while True:
        try:
            return FastSegmentWriter(ix, timeout=2.0, compound=False)
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
