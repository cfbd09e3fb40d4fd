"""Contact details and numbers: PHONE, EMAIL, URL and ID candidates."""

from __future__ import annotations

import re
from collections.abc import Iterator

import phonenumbers
from stdnum.ca import sin
from stdnum.fr import nir

Candidate = tuple[int, int, str, int]

_EXTENSION = r"(?:\s*,?\s*(?:poste|post\.|p\.|ext\.?|extension|x)\s*\d{1,6})?"
_PHONE = re.compile(
    r"(?<![\w+])(?:"
    # North America: 1-800-555-0199, (514) 555-1234, 514.555.1234, +1 438 555 0000
    r"(?:\+?1[\s.-]?)?(?:\(\d{3}\)|\d{3})[\s.-]?\d{3}[\s.-]?\d{4}"
    # France: 06 12 34 56 78, +33 6 12 34 56 78, 0033 (0)1 23 45 67 89
    r"|(?:(?:\+|00)33[\s.-]?(?:\(0\)[\s.-]?)?|0)[1-9](?:[\s.-]?\d{2}){4}"
    r")" + _EXTENSION + r"(?![\w])",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_TLD = r"(?:qc\.ca|gouv\.qc\.ca|gouv\.fr|ca|fr|com|org|net|info|be|ch|io|quebec|app|ly|me)"
_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"'«»]+"
    r"|(?<![@\w.-])(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+" + _TLD
    + r"(?![\w-])(?:/[^\s<>\"'«»]*)?"
)
_RAMQ = re.compile(r"(?<!\w)[A-Z]{4}[\s-]?\d{4}[\s-]?\d{4}(?!\w)")
_NIR = re.compile(
    r"(?<![\w])[12][\s.]?\d{2}[\s.]?\d{2}[\s.]?(?:\d{2}|2[AB])[\s.]?\d{3}[\s.]?\d{3}"
    r"[\s.]?\d{2}(?![\w])"
)
_SIN = re.compile(r"(?<![\w-])\d{3}[\s-]?\d{3}[\s-]?\d{3}(?![\w-])")
_KEYWORD_ID = re.compile(
    r"(?<!\w)(?:dossiers?|n°|nº|no\.?|num(?:éro|ero)?\.?|r[ée]f(?:[ée]rence)?\.?|mrn|chart|"
    r"case|file|record|nas|sin|nir|nam|ramq|matricule|s[ée]cu|ssn|ipp)"
    r"(?:\s*(?:de\s+dossier|du\s+dossier|d'usager|médical|medical|number|no\.?|n°|#|:|=))*"
    r"\s*#?\s*(?P<id>[A-Z]{0,5}[-/]?\d[\dA-Z/-]*(?:[ .]\d[\dA-Z-]*){0,6})(?![\w])",
    re.IGNORECASE,
)
_LABELLED_ID = re.compile(
    r"(?<!\w)(?i:dossier|num[ée]ro|r[ée]f[ée]rence|r[ée]f\.|file|record|chart|case)"
    r"(?:\s+[\w'’]+){1,3}\s*:\s*(?P<id>[A-Z]{0,5}[-/]?\d[\dA-Z/-]*)(?![\w])"
)
_CODE_ID = re.compile(r"(?<![\w-])(?P<id>[A-Z]{2,5}-(?:\d+-)*\d+)(?![\w-])")
_YEAR = re.compile(r"(?:19|20)\d{2}")
_HASH_ID = re.compile(r"(?<![\w#])#\s?(?P<id>\d{4,}[\dA-Z-]*)(?!\w)")
_UNIT_AFTER = re.compile(r"\s*(?:mg|mcg|µg|ml|mL|g|kg|cm|%|ans|years?|jours?|days?|h\b)")
_TRAILING = ".,;:!?)]}»"

PRIORITY = {"ID": 100, "EMAIL": 95, "URL": 90, "PHONE": 85}


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


def find_ids(text: str) -> Iterator[Candidate]:
    """Yield health-card, NIR, SIN and keyword-introduced file numbers."""
    prio = PRIORITY["ID"]
    for m in _RAMQ.finditer(text):
        yield m.start(), m.end(), "ID", prio
    for m in _NIR.finditer(text):
        if nir.is_valid(_digits(m.group())):
            yield m.start(), m.end(), "ID", prio
    for m in _SIN.finditer(text):
        if sin.is_valid(_digits(m.group())):
            yield m.start(), m.end(), "ID", prio
    for pattern in (_KEYWORD_ID, _LABELLED_ID, _CODE_ID, _HASH_ID):
        for m in pattern.finditer(text):
            value = m.group("id").rstrip(_TRAILING + "-/ ")
            if (
                sum(ch.isdigit() for ch in value) < 3
                or _YEAR.fullmatch(value)
                or _UNIT_AFTER.match(text, m.end())
            ):
                continue
            start = m.start("id")
            # Below PHONE: "numéro : 06 12 48 77 90" is a telephone number.
            yield start, start + len(value), "ID", PRIORITY["PHONE"] - 1


def find_contacts(text: str) -> Iterator[Candidate]:
    """Yield e-mail addresses, links and telephone numbers."""
    for m in _EMAIL.finditer(text):
        yield m.start(), m.end(), "EMAIL", PRIORITY["EMAIL"]
    for m in _URL.finditer(text):
        value = m.group().rstrip(_TRAILING)
        yield m.start(), m.start() + len(value), "URL", PRIORITY["URL"]
    spans = []
    for m in _PHONE.finditer(text):
        spans.append((m.start(), m.end()))
        yield m.start(), m.end(), "PHONE", PRIORITY["PHONE"]
    yield from _library_phones(text, spans)


def _library_phones(text: str, known: list[tuple[int, int]]) -> Iterator[Candidate]:
    """Ask libphonenumber for numbers the patterns missed, if enough digits remain."""
    if sum(ch.isdigit() for ch in text) < 8 + sum(e - s for s, e in known):
        return
    seen = set(known)
    for region in ("CA", "FR"):
        matcher = phonenumbers.PhoneNumberMatcher(text, region, phonenumbers.Leniency.VALID)
        for match in matcher:
            span = (match.start, match.end)
            if span not in seen and not any(s < match.end and match.start < e for s, e in seen):
                seen.add(span)
                yield match.start, match.end, "PHONE", PRIORITY["PHONE"] - 2
