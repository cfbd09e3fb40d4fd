"""Screening every text before anyone else sees it, and what happens when it finds something."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import StrEnum

from flask_babel import gettext as _

from cop.anonymise import Finding, find_identifiers, redact
from cop.errors import DomainError

log = logging.getLogger(__name__)


class OnFindings(StrEnum):
    """What a submission does when identifiers are found."""

    ASK = "ask"  # nothing is stored; the author sees the findings and decides
    HOLD = "hold"  # stored, held for a moderator, visible to the author and moderators only


@dataclass(frozen=True)
class Screening:
    """The findings in each field of one submission; `failed` when the detector broke."""

    findings: dict[str, list[Finding]] = field(default_factory=dict)
    failed: bool = False

    @property
    def clean(self) -> bool:
        return not self.failed and not any(self.findings.values())

    def as_json(self, texts: dict[str, str]) -> list[dict]:
        """Findings as the API shows them to their author, with suggested replacements."""
        return [
            {
                "field": name,
                "start": f.start,
                "end": f.end,
                "kind": f.kind,
                "text": f.text,
                "suggestion": redact(f.text, [Finding(0, len(f.text), f.kind, f.text)]),
            }
            for name, found in self.findings.items()
            for f in found
        ]


class IdentifiersFound(DomainError):
    """The text names someone or something identifying: the author must fix it or insist."""

    status = 422

    def __init__(self, screening: Screening, texts: dict[str, str]) -> None:
        super().__init__(
            _("This text may identify a person. Fix the highlighted passages or explain why not."),
            screening.as_json(texts),
        )
        self.screening = screening
        self.texts = texts


def screen(texts: dict[str, str]) -> Screening:
    """Look for identifiers in each named text; a detector failure counts as not clean."""
    try:
        return Screening({name: find_identifiers(text or "") for name, text in texts.items()})
    except Exception:  # the detector must never let a text through by crashing
        log.exception("identifier detector failed; the text will be held")
        return Screening(failed=True)


def apply_suggestions(texts: dict[str, str]) -> dict[str, str]:
    """Every text with each finding replaced by its bracketed label."""
    screening = screen(texts)
    return {
        name: redact(text, screening.findings.get(name, [])) if text else text
        for name, text in texts.items()
    }


def highlight(text: str, findings: list[Finding]) -> list[tuple[str, Finding | None]]:
    """Split a text into plain runs and flagged runs, for showing findings to the author."""
    pieces: list[tuple[str, Finding | None]] = []
    cursor = 0
    for finding in findings:
        if finding.start > cursor:
            pieces.append((text[cursor:finding.start], None))
        pieces.append((text[finding.start:finding.end], finding))
        cursor = finding.end
    if cursor < len(text):
        pieces.append((text[cursor:], None))
    return pieces
