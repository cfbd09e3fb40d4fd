"""Find identifiers in clinical text and redact them (pure Python, no Flask).

``find_identifiers`` gathers candidates from every recogniser, each with a priority, then
keeps the best non-overlapping ones: higher priority first, then the longer span.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .contact import find_contacts, find_ids
from .names import find_institutions, find_names_and_places
from .patterns import find_addresses, find_ages, find_dates

KINDS = (
    "PERSON", "DATE", "AGE", "PHONE", "EMAIL", "ID", "ADDRESS", "LOCATION", "INSTITUTION", "URL",
)
_LABELS = {
    "PERSON": ("NOM", "NAME"),
    "DATE": ("DATE", "DATE"),
    "AGE": ("ÂGE", "AGE"),
    "PHONE": ("TÉLÉPHONE", "PHONE"),
    "EMAIL": ("COURRIEL", "EMAIL"),
    "ID": ("IDENTIFIANT", "ID"),
    "ADDRESS": ("ADRESSE", "ADDRESS"),
    "LOCATION": ("LIEU", "PLACE"),
    "INSTITUTION": ("ÉTABLISSEMENT", "INSTITUTION"),
    "URL": ("LIEN", "URL"),
}
_RECOGNISERS = (
    find_ids, find_contacts, find_dates, find_ages, find_addresses,
    find_institutions, find_names_and_places,
)
_WORD = re.compile(r"[^\W\d_]+")
_FRENCH = frozenset(
    "le la les de des du et est une un pour avec dans que qui pas il elle sur au aux son sa "
    "ses ce cette à ou mais très depuis nous je on ne y a été avait".split()
)
_ENGLISH = frozenset(
    "the and is of to in with for that she he his her was has have on at not but it this "
    "are be been had they we i an as from".split()
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One identifier: ``text[start:end]`` is ``text``, of kind ``kind``."""

    start: int
    end: int
    kind: str
    text: str


def find_identifiers(text: str) -> list[Finding]:
    """Return the identifiers in ``text``, in text order, without overlaps."""
    if not isinstance(text, str) or not text.strip():
        return []
    candidates = [c for recognise in _RECOGNISERS for c in recognise(text) if c[1] > c[0]]
    candidates.sort(key=lambda c: (-c[3], -(c[1] - c[0]), c[0]))
    taken: list[tuple[int, int, str]] = []
    for start, end, kind, _priority in candidates:
        if all(end <= s or start >= e for s, e, _ in taken):
            taken.append((start, end, kind))
    taken.sort()
    return [Finding(start, end, kind, text[start:end]) for start, end, kind in taken]


def guess_language(text: str) -> str:
    """Guess "fr" or "en" from stop words; French wins ties."""
    french = english = 0
    for word in _WORD.findall(text[:4000].casefold()):
        french += word in _FRENCH
        english += word in _ENGLISH
    return "en" if english > french else "fr"


def label_for(kind: str, lang: str = "fr") -> str:
    """Return the bracketed label that replaces an identifier of ``kind``."""
    french, english = _LABELS[kind]
    return f"[{english if lang == 'en' else french}]"


def redact(text: str, findings: list[Finding] | None = None, lang: str | None = None) -> str:
    """Replace every finding by its label, in the language of the text unless given."""
    if findings is None:
        findings = find_identifiers(text)
    lang = lang or guess_language(text)
    parts, cursor = [], 0
    for finding in sorted(findings, key=lambda f: f.start):
        if finding.start < cursor:
            continue
        parts.append(text[cursor : finding.start])
        parts.append(label_for(finding.kind, lang))
        cursor = finding.end
    parts.append(text[cursor:])
    return "".join(parts)
