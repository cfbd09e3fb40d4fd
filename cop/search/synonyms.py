"""Clinical FR↔EN synonym groups, read from a data file the community can extend."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cop.search.analysis import iter_words, phrase_terms

DEFAULT_PATH = Path(__file__).with_name("data") / "synonyms.txt"

Entry = tuple[str, ...]


def _keys(entry: Entry) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return the French-stem and English-stem keys of an entry (relapsing ~ relapse)."""
    french, english = zip(*(phrase_terms(word) for word in entry), strict=True)
    return french, english


@dataclass
class SynonymTable:
    """Groups of equivalent entries; an entry is a tuple of lower-cased words."""

    groups: list[tuple[Entry, ...]] = field(default_factory=list)
    _index: dict[tuple[str, ...], int] = field(default_factory=dict)
    max_len: int = 0

    def add_group(self, entries: list[Entry]) -> None:
        """Register one group; an entry already in another group joins the first group."""
        unique = tuple(dict.fromkeys(entry for entry in entries if entry))
        if len(unique) < 2:
            return
        number = len(self.groups)
        self.groups.append(unique)
        for entry in unique:
            for key in _keys(entry):
                self._index.setdefault(key, number)
            self.max_len = max(self.max_len, len(entry))

    def match(self, words: list[str], start: int) -> tuple[int, tuple[Entry, ...]] | None:
        """Return ``(length, group)`` for the longest entry starting at ``words[start]``."""
        longest = min(self.max_len, len(words) - start)
        for length in range(longest, 0, -1):
            for key in _keys(tuple(words[start : start + length])):
                number = self._index.get(key)
                if number is not None:
                    return length, self.groups[number]
        return None


def parse_line(line: str) -> list[Entry]:
    """Split one ``a | b c | d`` line into entries of lower-cased words."""
    line = line.split("#", 1)[0]
    return [tuple(word for word, _, _ in iter_words(part)) for part in line.split("|")]


def load_synonyms(path: Path | str | None = None) -> SynonymTable:
    """Read a synonyms file (UTF-8, ``#`` comments, one ``|``-separated group per line)."""
    table = SynonymTable()
    text = Path(path or DEFAULT_PATH).read_text(encoding="utf-8")
    for line in text.splitlines():
        table.add_group(parse_line(line))
    return table
