"""Read the labelled anonymisation corpus: inline markup -> plain text + gold spans."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
_MARK = re.compile(r"\[\[(?P<kind>[A-Z]+):(?P<gold>.+?)\]\]|\{\{trap:(?P<trap>.+?)\}\}")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str  # a KIND, "TRAP", or "POSTAL" for a postal code (an ADDRESS)


@dataclass(frozen=True)
class Vignette:
    name: str
    lang: str
    text: str
    gold: tuple[Span, ...]
    traps: tuple[Span, ...]


def parse(name: str, lang: str, marked: str) -> Vignette:
    """Strip the markup from ``marked`` and keep where each mark was."""
    parts: list[str] = []
    gold: list[Span] = []
    traps: list[Span] = []
    cursor = length = 0
    for m in _MARK.finditer(marked):
        plain = marked[cursor : m.start()]
        parts.append(plain)
        length += len(plain)
        value = m.group("gold") if m.group("kind") else m.group("trap")
        span = Span(length, length + len(value), m.group("kind") or "TRAP")
        (gold if m.group("kind") else traps).append(span)
        parts.append(value)
        length += len(value)
        cursor = m.end()
    parts.append(marked[cursor:])
    return Vignette(name, lang, "".join(parts), tuple(gold), tuple(traps))


def load(split: str) -> list[Vignette]:
    """Return the vignettes of ``split`` ("dev" or "heldout")."""
    vignettes, header, lines = [], None, []
    for line in (HERE / f"{split}.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("### "):
            if header:
                vignettes.append(parse(*header, "\n".join(lines).strip()))
            header, lines = line[4:].split(), []
        elif header and not line.startswith("#"):
            lines.append(line)
    if header:
        vignettes.append(parse(*header, "\n".join(lines).strip()))
    return vignettes
