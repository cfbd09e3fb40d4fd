"""Word lists behind the detector, read once from ``data/`` on first use."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).with_name("data")

_SEPARATORS = re.compile(r"[\s\-–—'’.]+")
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "mt": "mont"}


def fold(text: str) -> str:
    """Return a lookup key: lower case, no accents, separators collapsed to one space."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    words = [w for w in _SEPARATORS.split(bare) if w]
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words)


def _read_words(name: str) -> set[str]:
    """Read a whitespace-separated word list (``#`` starts a comment line)."""
    words: set[str] = set()
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            words.update(fold(word) for word in line.split())
    return words


def _read_lines(name: str) -> list[str]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Folded word sets; ``places`` maps a folded place name to "needs context"."""

    first_names: frozenset[str]
    common: frozenset[str]
    clinical: frozenset[str]
    places: dict[str, bool]
    longest_place: int


@cache
def lexicon() -> Lexicon:
    """Load every list once per process."""
    first_names = _read_words("first_names.txt")
    common = _read_words("common_words.txt")
    clinical = _read_words("clinical_terms.txt")
    never = _read_words("not_places.txt")
    names = [line.split("\t")[0] for line in _read_lines("places_geonames.tsv")]
    names += _read_lines("places_curated.txt")
    places: dict[str, bool] = {}
    for name in names:
        key = fold(name)
        if not key or key in never or key in clinical or len(key) < 3:
            continue
        places[key] = " " not in key and (key in common or key in first_names)
    longest = max(key.count(" ") + 1 for key in places)
    return Lexicon(
        frozenset(first_names), frozenset(common), frozenset(clinical), places, longest
    )
