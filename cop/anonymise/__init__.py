"""Detection and redaction of identifiers in case texts."""

from __future__ import annotations

from .detect import KINDS, Finding, find_identifiers, guess_language, label_for, redact

__all__ = ["KINDS", "Finding", "find_identifiers", "guess_language", "label_for", "redact"]
