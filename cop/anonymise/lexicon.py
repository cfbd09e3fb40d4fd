"""Word lists behind the detector, read once from ``data/`` on first use."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).with_name("data")
SMALL_TOWN = 20_000

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
    institutions: re.Pattern[str]


@cache
def lexicon() -> Lexicon:
    """Load every list once per process."""
    first_names = _read_words("first_names.txt")
    common = _read_words("common_words.txt")
    clinical = _read_words("clinical_terms.txt")
    never = _read_words("not_places.txt")
    rows = [line.split("\t") for line in _read_lines("places_geonames.tsv")]
    rows += [[name, "CA", "0"] for name in _read_lines("places_curated.txt")]
    places: dict[str, bool] = {}
    for name, country, population in rows:
        key = fold(name)
        if not key or key in never or key in clinical or len(key) < 3:
            continue
        # One-word names that are also words or first names, and small European
        # communes (often plain French words: Signes, Rire...), need a preposition.
        small = country != "CA" and int(population) < SMALL_TOWN
        ambiguous = " " not in key and (key in common or key in first_names or small)
        places[key] = places.get(key, True) and ambiguous
    longest = max(key.count(" ") + 1 for key in places)
    named = sorted(_read_lines("institutions.txt"), key=len, reverse=True)
    institutions = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, named)) + r")(?![\w-])")
    return Lexicon(
        frozenset(first_names), frozenset(common), frozenset(clinical), places, longest,
        institutions,
    )
