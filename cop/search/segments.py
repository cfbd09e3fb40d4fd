"""Writing Whoosh segments fast: postings gathered in memory by term, rebuilds in parallel.

Profiled on a 10,000-post rebuild, half of Whoosh's indexing time went to its posting pool
(every posting pickled to a run file, read back and heap-merged at flush) and a fifth to
reading a field length per posting. :class:`TermPool` and :class:`FastSegmentWriter`
replace those two steps; the on-disk format is Whoosh's own.
"""

from __future__ import annotations

import multiprocessing
import queue
from array import array
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

from cop.search.documents import SearchDocument
from cop.search.schema import to_fields

_BYTE_LENGTHS = [byte_to_length(b) for b in range(256)]

# A term's postings: document numbers, weights and encoded values (positions...).
Postings = tuple[array, array, list]


class TermPool:
    """A segment's postings in memory, by field and term (Whoosh's pool interface).

    Postings arrive in increasing document order (new documents, then merged segments
    renumbered after them), so each term's list is already sorted and only the terms
    are sorted at flush. Compact arrays keep a posting near 60 bytes.
    """

    def __init__(self) -> None:
        self.fieldnames: set[str] = set()
        self._fields: dict[str, dict[bytes, Postings]] = {}
        self._unsorted: set[tuple[str, bytes]] = set()

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        fieldname, text, docnum, weight, value = item
        terms = self._fields.get(fieldname)
        if terms is None:
            terms = self._fields[fieldname] = {}
            self.fieldnames.add(fieldname)
        postings = terms.get(text)
        if postings is None:
            postings = terms[text] = (array("i"), array("f"), [])
        elif postings[0][-1] > docnum:
            self._unsorted.add((fieldname, text))
        postings[0].append(docnum)
        postings[1].append(weight)
        postings[2].append(value or b"")

    def fields(self) -> Iterator[tuple[str, Iterator[tuple[bytes, Postings]]]]:
        """Yield ``(fieldname, terms)`` in order; ``terms`` yields sorted terms' postings."""
        for fieldname in sorted(self._fields):
            yield fieldname, self._terms(fieldname)

    def _terms(self, fieldname: str) -> Iterator[tuple[bytes, Postings]]:
        terms = self._fields[fieldname]
        for text in sorted(terms):
            postings = terms[text]
            if (fieldname, text) in self._unsorted:
                postings = _sorted(postings)
            yield text, postings

    def iter_postings(self) -> Iterator[tuple[str, bytes, int, float, bytes]]:
        """Every posting as Whoosh's ``(fieldname, text, docnum, weight, value)``."""
        for fieldname, terms in self.fields():
            for text, (docnums, weights, values) in terms:
                for docnum, weight, value in zip(docnums, weights, values, strict=True):
                    yield fieldname, text, docnum, weight, value

    def cleanup(self) -> None:
        self._fields.clear()


def _sorted(postings: Postings) -> Postings:
    order = sorted(range(len(postings[0])), key=postings[0].__getitem__)
    docnums, weights, values = postings
    return (
        array("i", (docnums[i] for i in order)),
        array("f", (weights[i] for i in order)),
        [values[i] for i in order],
    )


class _Lengths:
    """Field lengths of a new segment, read once per field instead of once per posting."""

    def __init__(self, perdoc: Any) -> None:
        self._perdoc = perdoc

    def of_field(self, fieldname: str) -> list[int]:
        perdoc = self._perdoc
        name = _lenfield(fieldname)
        if perdoc is None or not perdoc.has_column(name):
            return []
        column = perdoc._cached_reader(name, LENGTHS_COLUMN)
        raw = bytes(column._dbfile.get(column._basepos, column._count))
        return [_BYTE_LENGTHS[b] for b in raw]


class FastSegmentWriter(SegmentWriter):
    """Whoosh's SegmentWriter with postings in a :class:`TermPool`, flushed term by term."""

    def __init__(self, ix: whoosh_index.Index, **kwargs: Any) -> None:
        kwargs.setdefault("compound", False)
        super().__init__(ix, **kwargs)
        self.pool = TermPool()

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        perdoc = self.per_document_reader() if self.codec.length_stats else None
        self._write_postings(_Lengths(perdoc))
        self.fieldwriter.close()
        if perdoc is not None:
            perdoc.close()

    def commit_with(self, more_segments: Callable[[], list[Any]]) -> None:
        """Commit this writer's segment plus ``more_segments()``, asked for after the flush.

        Whoosh's commit asks its merge policy for the segment list before flushing; the
        helpers of a parallel build are flushing their own segments meanwhile, so they are
        asked for last.
        """
        own = [self._finalize_segment()] if self._added else []
        if not own:
            self._close_segment()
        segments = own + more_segments()
        self._commit_toc(segments)
        self._finish()

    def _write_postings(self, lengths: _Lengths) -> None:
        fieldwriter = self.fieldwriter
        for fieldname, terms in self.pool.fields():
            fieldwriter.start_field(fieldname, self.schema[fieldname])
            field_lengths = lengths.of_field(fieldname)
            known = len(field_lengths)
            add = fieldwriter.add
            for text, (docnums, weights, values) in terms:
                fieldwriter.start_term(text)
                for docnum, weight, value in zip(docnums, weights, values, strict=True):
                    add(docnum, weight, value, field_lengths[docnum] if docnum < known else 0)
                fieldwriter.finish_term()
            fieldwriter.finish_field()


# Parallel rebuild ------------------------------------------------------------------------

BATCH = 200


def build(
    ix: whoosh_index.Index,
    documents: Iterable[SearchDocument],
    procs: int,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Index ``documents`` into the empty index ``ix`` and commit; return the count.

    With ``procs`` > 1, ``procs - 1`` forked helpers each write a segment of their own
    from batches this process hands them through a short queue; when every helper is
    busy this process indexes the batch itself, so the work balances without anyone
    waiting, and only the helpers' share is pickled.
    """
    writer = FastSegmentWriter(ix)
    helpers = _Helpers(ix, procs - 1) if procs > 1 else None
    count = 0
    try:
        batch: list[SearchDocument] = []
        for count, doc in enumerate(documents, 1):
            batch.append(doc)
            if len(batch) == BATCH:
                if helpers is None or not helpers.offer(batch):
                    _add_all(writer, batch)
                batch = []
                if progress is not None:
                    progress(count)
        _add_all(writer, batch)
        if helpers is not None:
            helpers.close()
        writer.commit_with(helpers.finish if helpers is not None else list)
    except BaseException:
        if helpers is not None:
            helpers.stop()
        if not writer.is_closed:
            writer.cancel()
        raise
    if progress is not None:
        progress(count)
    return count


def _add_all(writer: SegmentWriter, docs: list[SearchDocument]) -> None:
    for doc in docs:
        writer.add_document(**to_fields(doc))


class _Helpers:
    """Forked processes that each index the batches they take into their own segment."""

    def __init__(self, ix: whoosh_index.Index, count: int) -> None:
        context = multiprocessing.get_context("fork")
        self._jobs: Any = context.Queue(maxsize=2)
        self._results: Any = context.Queue()
        self._processes = [
            context.Process(target=_index_batches, args=(ix, self._jobs, self._results),
                            daemon=True)
            for _ in range(count)
        ]
        for process in self._processes:
            process.start()

    def offer(self, batch: list[SearchDocument]) -> bool:
        """Hand ``batch`` to a helper if one can take it now; False when all are busy."""
        try:
            self._jobs.put_nowait(batch)
        except queue.Full:
            return False
        return True

    def close(self) -> None:
        """Tell the helpers no more batches are coming: they flush their segments."""
        for _ in self._processes:
            self._jobs.put(None)

    def finish(self) -> list[Any]:
        """Wait for the helpers' segments and return them (raise if one failed)."""
        segments = []
        for _ in self._processes:
            outcome, payload = self._result()
            if outcome == "error":
                self.stop()
                raise RuntimeError(f"a search indexing process failed: {payload}")
            if payload is not None:
                segments.append(payload)
        for process in self._processes:
            process.join()
        return segments

    def _result(self) -> tuple[str, Any]:
        while True:
            try:
                return self._results.get(timeout=1.0)
            except queue.Empty:
                if not any(process.is_alive() for process in self._processes):
                    return "error", "it stopped without a result"

    def stop(self) -> None:
        for process in self._processes:
            if process.is_alive():
                process.terminate()
            process.join()


def _index_batches(ix: whoosh_index.Index, jobs: Any, results: Any) -> None:  # pragma: no cover
    """A helper's life: index batches until told to stop, then report its segment."""
    writer = FastSegmentWriter(ix, _lk=False)
    try:
        while (batch := jobs.get()) is not None:
            _add_all(writer, batch)
        if writer._added:
            results.put(("ok", writer._finalize_segment()))
        else:
            writer.cancel()
            results.put(("ok", None))
    except BaseException as error:
        results.put(("error", repr(error)))
        raise
