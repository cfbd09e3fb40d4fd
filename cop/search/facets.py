"""The query engine: exact match sets, BM25 top-k ranking and facet counts.

Whoosh stores the index (postings, lexicon, stored fields, columns); this module reads
each term's postings once, block by block (C-level arrays), caches them per segment and
evaluates queries with ``set`` algebra instead of Whoosh's matchers, which cost several
microseconds of Python per matching document and per operator (profile at 20k posts:
``UnionMatcher``, ``skip_to``, ``BM25F.score`` and ``doc_field_length`` dominated, about
60 ms for one word and 170 ms for three).

* A query word is an OR of its index forms; their posting sets are unioned (cached), and
  its score is the best of its forms' BM25 weights, so a word is never counted thrice.
* Ranking only touches the matching documents' cached weights and keeps the top ``k``
  with a heap; ``total`` and facets come from the same sets, so nothing is counted twice.
* Phrases use the ``pairs`` field (a pair of adjacent stems is a term when one of them is
  a frequent word, see :data:`cop.search.analysis.FREQUENT_WORDS`): such a two-word phrase
  is one posting list. Words outside every indexed pair are rarer, so their posting lists
  are short; the phrase intersects everything, then verifies positions on the surviving
  candidates (unless it is one indexed pair).

Segments never change once written (deleted documents are subtracted at the end), so
every cache is keyed by segment id.
"""

from __future__ import annotations

import heapq
import math
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, KeysView
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from cop.search.analysis import has_pair, pair_term
from cop.search.documents import FACET_NAMES

SINGLE_FIELDS = ("kind", "status", "profession", "sector")
MAX_TAGS = 30
MAX_CACHED_POSTINGS = 5_000_000  # about 70 bytes each (dict entry and float)
MAX_PAIR_COMBINATIONS = 16
K1, B = 1.2, 0.75
SCORED_FIELDS = ("content", "pairs")
_BYTE_LENGTHS = [byte_to_length(b) for b in range(256)]

SegmentMatches = list[tuple[Searcher, set[int]]]
Ranked = list[tuple[float, int, int]]


class Postings:
    """One term's postings in one segment.

    Scored fields keep only ``{docnum: saturated tf}`` (BM25 without the idf; its keys
    are the match set), other fields a frozenset: one compact structure per term.
    """

    __slots__ = ("docset", "scores")

    def __init__(self, ids: list[int], weights: list[float] | None,
                 lengths: tuple[list[int], float] | None) -> None:
        self.scores: dict[int, float] | None = None
        if lengths is None or weights is None:
            self.docset: frozenset[int] | KeysView[int] = frozenset(ids)
            return
        per_doc, average = lengths
        scale = K1 * B / average
        base = K1 * (1 - B)
        self.scores = {
            doc: tf * (K1 + 1) / (tf + base + scale * per_doc[doc])
            for doc, tf in zip(ids, weights, strict=True)
        }
        self.docset = self.scores.keys()


@dataclass(frozen=True)
class FacetColumns:
    """A segment's facet values as numbers, read once: counting a match set is then a few
    numpy calls instead of a Python step per matched document (26 ms for 83k matches).

    ``codes[field][docnum]`` indexes ``labels[field]`` (0 is "no value"); tags, several per
    document, are ``(tag_docs[i], tag_codes[i])`` pairs.
    """

    size: int
    codes: dict[str, np.ndarray]
    labels: dict[str, list[str]]
    tag_docs: np.ndarray
    tag_codes: np.ndarray
    tag_labels: list[str]

    @classmethod
    def read(cls, leaf: Searcher) -> FacetColumns:
        reader = leaf.reader()
        size = reader.doc_count_all()
        codes, labels = {}, {}
        for fieldname in SINGLE_FIELDS:
            column, names = np.zeros(size, dtype=np.int32), [""]
            for text in _terms(reader, fieldname):
                column[_docnums(leaf, fieldname, text)] = len(names)
                names.append(text)
            codes[fieldname], labels[fieldname] = column, names
        docs, tags, tag_labels = [], [], []
        for code, text in enumerate(_terms(reader, "tags")):
            found = _docnums(leaf, "tags", text)
            docs.append(found)
            tags.append(np.full(len(found), code, dtype=np.int32))
            tag_labels.append(text)
        empty = np.zeros(0, dtype=np.int32)
        return cls(size, codes, labels,
                   np.concatenate(docs) if docs else empty,
                   np.concatenate(tags) if tags else empty, tag_labels)

    def count(self, docnums: set[int], counters: dict[str, Counter]) -> None:
        """Add the facet values of ``docnums`` (live documents of this segment)."""
        chosen = np.fromiter(docnums, dtype=np.intp, count=len(docnums))
        for name in SINGLE_FIELDS:
            names = self.labels[name]
            _add(counters[name], names, np.bincount(self.codes[name][chosen],
                                                    minlength=len(names)), first=1)
        if len(self.tag_labels):
            matched = np.zeros(self.size, dtype=bool)
            matched[chosen] = True
            selected = self.tag_codes[matched[self.tag_docs]]
            _add(counters["tag"], self.tag_labels,
                 np.bincount(selected, minlength=len(self.tag_labels)), first=0)


def _add(counter: Counter, labels: list[str], counts: np.ndarray, first: int) -> None:
    for code in np.flatnonzero(counts[first:]) + first:
        counter[labels[code]] += int(counts[code])


def _terms(reader: Any, fieldname: str) -> list[str]:
    return [btext.decode("utf-8") for btext in reader.lexicon(fieldname)]


def _docnums(leaf: Searcher, fieldname: str, text: str) -> np.ndarray:
    return np.asarray(_read_postings(leaf, fieldname, text)[0], dtype=np.intp)


class MatchCounter:
    """Evaluate, rank and count queries; one per SearchIndex, shared by threads."""

    def __init__(self) -> None:
        self._arrays: dict[str, FacetColumns] = {}
        self._lengths: dict[tuple[str, str], tuple[list[int], float]] = {}
        self._dates: dict[str, list[float]] = {}
        self._terms: OrderedDict[tuple[str, str, str], Postings] = OrderedDict()
        self._cached = 0
        self._lock = threading.Lock()

    # Matching

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

    def _eval(self, leaf: Searcher, query: wq.Query) -> set[int] | frozenset[int]:
        if isinstance(query, wq.Term):
            return self.postings(leaf, query.fieldname, query.text).docset
        if isinstance(query, wq.Or):
            parts = [self._eval(leaf, sub) for sub in query.subqueries]
            return parts[0] if len(parts) == 1 else set().union(*parts)
        if isinstance(query, wq.And):
            parts = sorted((self._eval(leaf, sub) for sub in query.subqueries), key=len)
            return set(parts[0]).intersection(*parts[1:]) if parts else set()
        if isinstance(query, wq.AndNot):
            return set(self._eval(leaf, query.a)).difference(self._eval(leaf, query.b))
        if isinstance(query, wq.Every):
            return set(range(leaf.reader().doc_count_all()))
        if isinstance(query, wq.Phrase):
            return self._phrase(leaf, query)
        if isinstance(query, wq.Prefix):
            reader = leaf.reader()
            texts = [t.decode("utf-8") for t in reader.expand_prefix(query.fieldname, query.text)]
            return set().union(*(self.postings(leaf, query.fieldname, t).docset for t in texts))
        return set(query.docs(leaf))

    def _phrase(self, leaf: Searcher, query: wq.Phrase) -> set[int] | frozenset[int]:
        """Match a phrase through its pair terms; verify positions beyond two words.

        A verified phrase is cached like a term: synonym expansions repeat the same
        phrases ("trouble de personnalité limite" for every TPL query).
        """
        words = list(query.words)
        if len(words) == 1:
            return self.postings(leaf, "content", words[0]).docset
        key = (segment_key(leaf), "phrase", " ".join(words))
        cached = self._cache_get(key)
        if cached is None:
            cached = self._cache_put(key, Postings(list(self._match_phrase(leaf, words)),
                                                   None, None))
        return cached.docset

    def _match_phrase(self, leaf: Searcher, words: list[str]) -> set[int] | frozenset[int]:
        parts = []
        covered: set[int] = set()
        for i, (a, b) in enumerate(zip(words, words[1:], strict=False)):
            if has_pair(a, b):
                parts.append(self.postings(leaf, "pairs", pair_term(a, b)).docset)
                covered.update((i, i + 1))
        # Words outside every indexed pair (runs of rarer words): their own postings.
        parts += [self.postings(leaf, "content", word).docset
                  for i, word in enumerate(words) if i not in covered]
        parts.sort(key=len)
        candidates = set(parts[0]).intersection(*parts[1:])
        if not candidates or (len(words) == 2 and covered):
            return candidates
        return _verify_positions(leaf, words, sorted(candidates))

    def postings(self, leaf: Searcher, fieldname: str, text: str) -> Postings:
        """Return the cached postings of one term in one segment."""
        key = (segment_key(leaf), fieldname, text)
        cached = self._cache_get(key)
        if cached is not None:
            return cached
        ids, weights = _read_postings(leaf, fieldname, text)
        lengths = self._field_lengths(leaf, fieldname) if fieldname in SCORED_FIELDS else None
        return self._cache_put(key, Postings(ids, weights, lengths))

    def _cache_get(self, key: tuple[str, str, str]) -> Postings | None:
        with self._lock:
            cached = self._terms.get(key)
            if cached is not None:
                self._terms.move_to_end(key)
            return cached

    def _cache_put(self, key: tuple[str, str, str], postings: Postings) -> Postings:
        """Keep ``postings`` (least recently used entries go beyond the budget)."""
        with self._lock:
            if key not in self._terms:
                self._terms[key] = postings
                self._cached += len(postings.docset)
            while self._cached > MAX_CACHED_POSTINGS and len(self._terms) > 1:
                _, dropped = self._terms.popitem(last=False)
                self._cached -= len(dropped.docset)
        return postings

    # Ranking

    def top(
        self,
        searcher: Searcher,
        query: wq.Query,
        matches: SegmentMatches,
        limit: int,
        by_date: bool = False,
    ) -> Ranked:
        """Return the best ``limit`` matches as ``(score, segment number, docnum)``.

        The score is BM25 (k1=1.2, b=0.75) summed over the query's positive words, each
        word scored by its best form; sorting by date ranks on the creation time.
        """
        units = [] if by_date else _units(query)
        idfs = [[_idf(searcher, field, text) for field, text in unit] for unit in units]
        best: Ranked = []
        for number, (leaf, docnums) in enumerate(matches):
            if not docnums:
                continue
            key = self._date_key(leaf) if by_date else self._score_key(leaf, units, idfs)
            # Ties go to the latest document, the same way on every page.
            for value, docnum in heapq.nlargest(limit, ((key(d), d) for d in docnums)):
                best.append((value, number, docnum))
        return heapq.nlargest(limit, best)

    def _score_key(
        self, leaf: Searcher, units: list[list[tuple[str, str]]], idfs: list[list[float]]
    ) -> Callable[[int], float]:
        weighted: list[tuple[dict[int, float], float]] = []
        for unit, unit_idfs in zip(units, idfs, strict=True):
            forms = []
            for (field, text), idf in zip(unit, unit_idfs, strict=True):
                scores = self.postings(leaf, field, text).scores
                if scores:
                    forms.append((scores, idf))
            if len(forms) == 1:
                weighted.append(forms[0])
            elif forms:
                merged: dict[int, float] = {}
                for scores, idf in forms:
                    for doc, value in scores.items():
                        value *= idf
                        if value > merged.get(doc, 0.0):
                            merged[doc] = value
                weighted.append((merged, 1.0))
        if not weighted:
            return _zero
        if len(weighted) == 1:
            scores, idf = weighted[0]
            get = scores.get
            return lambda doc: idf * get(doc, 0.0)
        return lambda doc: sum(idf * scores.get(doc, 0.0) for scores, idf in weighted)

    def _field_lengths(self, leaf: Searcher, fieldname: str) -> tuple[list[int], float]:
        key = (segment_key(leaf), fieldname)
        with self._lock:
            cached = self._lengths.get(key)
        if cached is None:
            reader = leaf.reader()
            size = reader.doc_count_all()
            column = None
            perdoc = getattr(reader, "_perdoc", None)
            if perdoc is not None and perdoc.has_column(_lenfield(fieldname)):
                column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            if column is not None:
                raw = bytes(column._dbfile.get(column._basepos, min(size, column._count)))
                lengths = [_BYTE_LENGTHS[b] for b in raw] + [0] * (size - len(raw))
            else:
                lengths = [reader.doc_field_length(d, fieldname, 1) for d in range(size)]
            average = (sum(lengths) / size) if size else 1.0
            cached = (lengths, max(average, 1.0))
            with self._lock:
                self._lengths[key] = cached
        return cached

    def _date_key(self, leaf: Searcher) -> Callable[[int], float]:
        segid = segment_key(leaf)
        with self._lock:
            dates = self._dates.get(segid)
        if dates is None:
            column = leaf.reader().column_reader("created_at", translate=False)
            dates = [float(value) for value in column]
            with self._lock:
                self._dates[segid] = dates
        return dates.__getitem__

    # Facets

    def count(self, matches: SegmentMatches) -> dict[str, dict[str, int]]:
        """Return ``{facet: {value: count}}`` over all matched documents."""
        counters: dict[str, Counter] = {name: Counter() for name in FACET_NAMES}
        for leaf, docnums in matches:
            if docnums:
                self._columns(leaf).count(docnums, counters)
        return {
            name: dict(counter.most_common(MAX_TAGS if name == "tag" else None))
            for name, counter in counters.items()
        }

    def _columns(self, leaf: Searcher) -> FacetColumns:
        segid = segment_key(leaf)
        with self._lock:
            columns = self._arrays.get(segid)
        if columns is None:
            columns = FacetColumns.read(leaf)
            with self._lock:
                self._arrays[segid] = columns
        return columns

    def forget(self, live_segments: set[str]) -> None:
        """Drop cached data of segments that were merged away."""
        with self._lock:
            self._arrays = {k: v for k, v in self._arrays.items() if k in live_segments}
            self._dates = {k: v for k, v in self._dates.items() if k in live_segments}
            self._lengths = {k: v for k, v in self._lengths.items() if k[0] in live_segments}
            for key in [key for key in self._terms if key[0] not in live_segments]:
                self._cached -= len(self._terms.pop(key).docset)


def segment_key(leaf: Searcher) -> str:
    """Return the id of the segment behind a leaf searcher ("" for an empty index)."""
    segment = leaf.reader().segment()
    return segment.segment_id() if segment is not None else ""


def _zero(_: int) -> float:
    return 0.0


def _idf(searcher: Searcher, fieldname: str, text: str) -> float:
    total = max(1, searcher.doc_count_all())
    frequency = searcher.doc_frequency(fieldname, text)
    return math.log(1 + (total - frequency + 0.5) / (frequency + 0.5))


def _units(query: wq.Query) -> list[list[tuple[str, str]]]:
    """Return the scoring units of ``query``: one list of alternative terms per word."""
    if isinstance(query, wq.Term):
        return [[(query.fieldname, query.text)]] if query.fieldname in SCORED_FIELDS else []
    if isinstance(query, wq.Phrase):
        words = list(query.words)
        if len(words) == 1:
            return [[("content", words[0])]]
        units = []
        covered: set[int] = set()
        for i, (a, b) in enumerate(zip(words, words[1:], strict=False)):
            if has_pair(a, b):
                units.append([("pairs", pair_term(a, b))])
                covered.update((i, i + 1))
        units += [[("content", word)] for i, word in enumerate(words) if i not in covered]
        return units
    if isinstance(query, wq.AndNot):
        return _units(query.a)
    if isinstance(query, wq.Or):
        # The forms of one word (or a synonym group) are one unit: best form wins.
        forms = [_units(sub) for sub in query.subqueries]
        flat = [term for units in forms for unit in units for term in unit]
        if all(len(units) <= 1 for units in forms):
            return [list(dict.fromkeys(flat))] if flat else []
        return [unit for units in forms for unit in units]
    if isinstance(query, wq.And):
        return [unit for sub in query.subqueries for unit in _units(sub)]
    return []


def _verify_positions(leaf: Searcher, words: list[str], candidates: list[int]) -> set[int]:
    """Keep the candidates where ``words`` occur at consecutive positions."""
    reader = leaf.reader()
    positions: list[dict[int, set[int]]] = []
    for word in words:
        try:
            matcher = reader.postings("content", word)
        except TermNotFound:
            return set()
        found: dict[int, set[int]] = {}
        for docnum in candidates:
            if not matcher.is_active():
                break
            matcher.skip_to(docnum)
            if matcher.is_active() and matcher.id() == docnum:
                found[docnum] = set(matcher.value_as("positions"))
        positions.append(found)
    kept = set()
    for docnum in candidates:
        starts = positions[0].get(docnum, set())
        for offset, found in enumerate(positions[1:], 1):
            following = found.get(docnum)
            if not following:
                starts = set()
                break
            starts = {p for p in starts if p + offset in following}
            if not starts:
                break
        if starts:
            kept.add(docnum)
    return kept


def _read_postings(leaf: Searcher, fieldname: str, text: str) -> tuple[list[int], list[float]]:
    """Read every posting id and weight of a term (deleted documents included)."""
    try:
        matcher = leaf.reader().postings(fieldname, text)
    except TermNotFound:
        return [], []
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child
    if not hasattr(matcher, "_read_ids"):
        ids, weights = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        return ids, weights
    # W3LeafMatcher internals (whoosh-reloaded 2.7.5 is frozen): one array per block.
    ids = []
    weights = []
    while matcher.is_active():
        if matcher._ids is None:
            matcher._read_ids()
        if matcher._weights is None:
            matcher._read_weights()
        ids.extend(matcher._ids)
        weights.extend(matcher._weights)
        matcher._next_block()
    return ids, weights
