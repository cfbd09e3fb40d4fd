"""Facet counts over all matching documents, from per-segment value arrays.

Segments never change once written (deleted documents simply stop matching), so each
segment's docnum → value arrays are built once from its postings and cached; counting a
result set is then a C-level ``Counter`` over the matched docnums.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from itertools import chain

from whoosh.searching import Searcher

from cop.search.documents import FACET_NAMES

SINGLE_FIELDS = {"kind": "kind", "status": "status", "profession": "profession", "sector": "sector"}
MAX_TAGS = 30

Arrays = dict[str, list]


class FacetCounter:
    """Count facet values for sets of global docnums, caching per-segment arrays."""

    def __init__(self) -> None:
        self._segments: dict[str, Arrays] = {}
        self._global: tuple[tuple[str, ...], Arrays] | None = None
        self._lock = threading.Lock()

    def count(self, searcher: Searcher, docnums: Iterable[int]) -> dict[str, dict[str, int]]:
        """Return ``{facet: {value: count}}`` for the given global docnums."""
        arrays = self._arrays(searcher)
        docnums = list(docnums)
        counts: dict[str, dict[str, int]] = {}
        for facet, fieldname in SINGLE_FIELDS.items():
            counter = Counter(map(arrays[fieldname].__getitem__, docnums))
            counter.pop("", None)
            counts[facet] = dict(counter.most_common())
        tags = Counter(chain.from_iterable(map(arrays["tags"].__getitem__, docnums)))
        counts["tag"] = dict(tags.most_common(MAX_TAGS))
        return {name: counts[name] for name in FACET_NAMES}

    def _arrays(self, searcher: Searcher) -> Arrays:
        leaves = searcher.leaf_searchers()
        key = tuple(leaf.reader().segment().segment_id() for leaf, _ in leaves)
        with self._lock:
            if self._global and self._global[0] == key:
                return self._global[1]
            merged: Arrays = {name: [] for name in (*SINGLE_FIELDS.values(), "tags")}
            for (leaf, _), segid in zip(leaves, key, strict=True):
                arrays = self._segments.get(segid) or _segment_arrays(leaf)
                self._segments[segid] = arrays
                for name, values in arrays.items():
                    merged[name].extend(values)
            self._segments = {segid: self._segments[segid] for segid in key}
            self._global = (key, merged)
            return merged


def _segment_arrays(leaf: Searcher) -> Arrays:
    reader = leaf.reader()
    size = reader.doc_count_all()
    arrays: Arrays = {}
    for fieldname in SINGLE_FIELDS.values():
        values = [""] * size
        for btext in reader.lexicon(fieldname):
            text = btext.decode("utf-8")
            for docnum in reader.postings(fieldname, btext).all_ids():
                values[docnum] = text
        arrays[fieldname] = values
    lists: list[list[str]] = [[] for _ in range(size)]
    for btext in reader.lexicon("tags"):
        text = btext.decode("utf-8")
        for docnum in reader.postings("tags", btext).all_ids():
            lists[docnum].append(text)
    arrays["tags"] = lists
    return arrays
