"""Exact match sets and facet counts, computed with set algebra instead of Whoosh matchers.

Counting all matches through Whoosh's matchers costs about a microsecond of Python per
document and per operator. Here each term's posting ids are read block by block (C-level
arrays), cached per segment, and combined with ``set`` operations; facet counts are then a
``Counter`` over per-segment docnum → value arrays. Segments never change once written
(deleted documents are subtracted at the end), so both caches are keyed by segment id.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from itertools import chain

from whoosh import query as wq
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher

from cop.search.documents import FACET_NAMES

SINGLE_FIELDS = ("kind", "status", "profession", "sector")
MAX_TAGS = 30
MAX_CACHED_TERMS = 1024

Arrays = dict[str, list]
SegmentMatches = list[tuple[Searcher, set[int]]]


class MatchCounter:
    """Evaluate match sets and count facets; one per SearchIndex, shared by threads."""

    def __init__(self) -> None:
        self._arrays: dict[str, Arrays] = {}
        self._terms: OrderedDict[tuple[str, str, str], frozenset[int]] = OrderedDict()
        self._lock = threading.Lock()

    def matches(self, searcher: Searcher, query: wq.Query) -> SegmentMatches:
        """Return, per segment searcher, the set of live docnums matching ``query``."""
        found = []
        for leaf, _ in searcher.leaf_searchers():
            reader = leaf.reader()
            docnums = set(self._eval(leaf, query))
            if docnums and reader.has_deletions():
                docnums -= reader.deleted_docs_set
            found.append((leaf, docnums))
        return found

    def count(self, matches: SegmentMatches) -> dict[str, dict[str, int]]:
        """Return ``{facet: {value: count}}`` over all matched documents."""
        counters: dict[str, Counter] = {name: Counter() for name in FACET_NAMES}
        for leaf, docnums in matches:
            if not docnums:
                continue
            arrays = self._segment_arrays(leaf)
            for name in SINGLE_FIELDS:
                counters[name].update(map(arrays[name].__getitem__, docnums))
            counters["tag"].update(chain.from_iterable(map(arrays["tags"].__getitem__, docnums)))
        counts = {}
        for name, counter in counters.items():
            counter.pop("", None)
            counts[name] = dict(counter.most_common(MAX_TAGS if name == "tag" else None))
        return counts

    def _eval(self, leaf: Searcher, query: wq.Query) -> set[int] | frozenset[int]:
        if isinstance(query, wq.Term):
            return self._term(leaf, query.fieldname, query.text)
        if isinstance(query, wq.Or):
            return set().union(*(self._eval(leaf, sub) for sub in query.subqueries))
        if isinstance(query, wq.And):
            parts = sorted((self._eval(leaf, sub) for sub in query.subqueries), key=len)
            return set(parts[0]).intersection(*parts[1:]) if parts else set()
        if isinstance(query, wq.AndNot):
            return set(self._eval(leaf, query.a)) - self._eval(leaf, query.b)
        if isinstance(query, wq.Every):
            return set(range(leaf.reader().doc_count_all()))
        if isinstance(query, wq.Phrase):
            words = [self._term(leaf, query.fieldname, word) for word in query.words]
            if not set(min(words, key=len)).intersection(*words):
                return set()
        return set(query.docs(leaf))

    def _term(self, leaf: Searcher, fieldname: str, text: str) -> frozenset[int]:
        key = (segment_key(leaf), fieldname, text)
        with self._lock:
            cached = self._terms.get(key)
            if cached is not None:
                self._terms.move_to_end(key)
                return cached
        docnums = frozenset(_posting_ids(leaf, fieldname, text))
        with self._lock:
            self._terms[key] = docnums
            while len(self._terms) > MAX_CACHED_TERMS:
                self._terms.popitem(last=False)
        return docnums

    def _segment_arrays(self, leaf: Searcher) -> Arrays:
        segid = segment_key(leaf)
        with self._lock:
            arrays = self._arrays.get(segid)
        if arrays is None:
            arrays = _build_arrays(leaf)
            with self._lock:
                self._arrays[segid] = arrays
        return arrays

    def forget(self, live_segments: set[str]) -> None:
        """Drop cached data of segments that were merged away."""
        with self._lock:
            self._arrays = {k: v for k, v in self._arrays.items() if k in live_segments}
            for key in [key for key in self._terms if key[0] not in live_segments]:
                del self._terms[key]


def segment_key(leaf: Searcher) -> str:
    """Return the id of the segment behind a leaf searcher ("" for an empty index)."""
    segment = leaf.reader().segment()
    return segment.segment_id() if segment is not None else ""


def _posting_ids(leaf: Searcher, fieldname: str, text: str) -> list[int]:
    """Read every posting id of a term, deleted documents included, a block at a time."""
    try:
        matcher = leaf.reader().postings(fieldname, text)
    except TermNotFound:
        return []
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child
    if not hasattr(matcher, "_read_ids"):
        return list(matcher.all_ids())
    # W3LeafMatcher internals (whoosh-reloaded 2.7.5 is frozen): one array per block.
    ids: list[int] = []
    while matcher.is_active():
        if matcher._ids is None:
            matcher._read_ids()
        ids.extend(matcher._ids)
        matcher._next_block()
    return ids


def _build_arrays(leaf: Searcher) -> Arrays:
    reader = leaf.reader()
    size = reader.doc_count_all()
    arrays: Arrays = {}
    for fieldname in SINGLE_FIELDS:
        values = [""] * size
        for btext in reader.lexicon(fieldname):
            text = btext.decode("utf-8")
            for docnum in _posting_ids(leaf, fieldname, text):
                values[docnum] = text
        arrays[fieldname] = values
    lists: list[list[str]] = [[] for _ in range(size)]
    for btext in reader.lexicon("tags"):
        text = btext.decode("utf-8")
        for docnum in _posting_ids(leaf, "tags", text):
            lists[docnum].append(text)
    arrays["tags"] = lists
    return arrays
