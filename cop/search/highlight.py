"""Safe HTML snippets: escaped user text with matched words wrapped in ``<mark>``."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from cop.search.analysis import fold, is_stopword, iter_words, variants

ELLIPSIS = "…"


def _matches(word: str, terms: frozenset[str], prefixes: tuple[str, ...]) -> bool:
    if is_stopword(word):  # "de" from a synonym phrase is no reason to light up every "de"
        return False
    if terms.intersection(variants(word)):
        return True
    return bool(prefixes) and fold(word).startswith(prefixes)


def snippet_html(
    text: str,
    terms: Iterable[str],
    prefixes: Iterable[str] = (),
    *,
    width: int = 240,
    fragments: int = 2,
) -> str:
    """Return up to ``fragments`` windows of ``text`` around matched words, as safe HTML.

    ``terms`` are index terms (variants); ``prefixes`` are folded prefixes. Everything
    but the ``<mark>`` tags is escaped. Without a match, the start of the text is shown.
    """
    terms = frozenset(terms)
    prefixes = tuple(prefixes)
    spans = [
        (start, end) for word, start, end in iter_words(text) if _matches(word, terms, prefixes)
    ]
    if not spans:
        head = text[:width]
        return escape(head.strip()) + (ELLIPSIS if len(text) > width else "")
    windows = _windows(text, spans, width // fragments, fragments)
    parts = []
    for start, end in windows:
        inside = [span for span in spans if span[0] >= start and span[1] <= end]
        parts.append(_render(text, start, end, inside))
    lead = ELLIPSIS if windows[0][0] > 0 else ""
    tail = ELLIPSIS if windows[-1][1] < len(text) else ""
    return lead + f" {ELLIPSIS} ".join(parts) + tail


def _windows(
    text: str, spans: list[tuple[int, int]], size: int, count: int
) -> list[tuple[int, int]]:
    """Pick up to ``count`` non-overlapping windows of about ``size`` chars at the first matches."""
    chosen: list[tuple[int, int]] = []
    for start, _ in spans:
        if len(chosen) == count:
            break
        if chosen and start < chosen[-1][1]:
            continue
        begin = max(0, start - size // 3)
        space = text.rfind(" ", 0, begin + 1)
        begin = space + 1 if begin > 0 and space >= 0 and begin - space < 20 else begin
        end = min(len(text), begin + size)
        space = text.find(" ", end)
        end = space if end < len(text) and 0 <= space - end < 20 else end
        chosen.append((begin, end))
    return chosen


def _render(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> str:
    out = []
    cursor = start
    for span_start, span_end in spans:
        out.append(escape(text[cursor:span_start]))
        out.append(f"<mark>{escape(text[span_start:span_end])}</mark>")
        cursor = span_end
    out.append(escape(text[cursor:end]))
    return "".join(out).strip()
