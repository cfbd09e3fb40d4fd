"""Readable differences between two versions of a post, word by word."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

_TOKENS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class Segment:
    """A run of text that is kept, added or removed between two versions."""

    op: str  # "equal" | "insert" | "delete"
    text: str


def word_diff(before: str, after: str) -> list[Segment]:
    """Segments that turn `before` into `after`, at word granularity."""
    old, new = _TOKENS.findall(before or ""), _TOKENS.findall(after or "")
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    segments: list[Segment] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            segments.append(Segment("equal", "".join(old[i1:i2])))
            continue
        if tag in ("delete", "replace"):
            segments.append(Segment("delete", "".join(old[i1:i2])))
        if tag in ("insert", "replace"):
            segments.append(Segment("insert", "".join(new[j1:j2])))
    return segments


def changed(segments: list[Segment]) -> bool:
    return any(segment.op != "equal" for segment in segments)
