"""Spelling suggestions from the index's lexicon of unstemmed, accent-folded words."""

from __future__ import annotations

import re

from whoosh.searching import Searcher

from cop.search.analysis import fold


def suggest(searcher: Searcher, q: str, words: list[str]) -> str | None:
    """Return ``q`` with unknown words replaced by the closest indexed words, or None."""
    corrector = searcher.corrector("spell")
    suggestion = q
    for word in dict.fromkeys(words):
        folded = fold(word)
        if len(folded) < 3 or not folded.isalpha() or searcher.doc_frequency("spell", folded):
            continue
        found = corrector.suggest(folded, limit=1, maxdist=2, prefix=1)
        if found and found[0] != folded:
            suggestion = re.sub(rf"(?i)\b{re.escape(word)}\b", found[0], suggestion)
    return suggestion if suggestion != q else None
