"""Regular shapes: DATE, AGE and ADDRESS (civic addresses and postal codes) candidates.

A month or a weekday alone ("en mars", "le lundi", "in March") is not a date: only a
day with its month, or a month with its year, or a numeric date, is reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

Candidate = tuple[int, int, str, int]

_FR_MONTH = (
    r"(?:janvier|janv\.?|f[ée]vrier|f[ée]vr?\.?|mars|avril|avr\.?|mai|juin|juillet|juil\.?|"
    r"ao[ûu]t|septembre|sept\.?|octobre|oct\.?|novembre|nov\.?|d[ée]cembre|d[ée]c\.?)"
)
_FR_DAY = r"(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)"
_EN_MONTH = (
    r"(?:January|Jan\.?|February|Feb\.?|March|Mar\.?|April|Apr\.?|May|June|Jun\.?|July|"
    r"Jul\.?|August|Aug\.?|September|Sept?\.?|October|Oct\.?|November|Nov\.?|December|Dec\.?)"
)
_EN_DAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Mon|Tue|Wed|Thu|Fri)"
_YEAR = r"(?:19|20)\d{2}"
_DATES = [
    re.compile(p, flags)
    for p, flags in (
        (
            rf"(?<!\w)(?:{_FR_DAY}\s+)?(?:1er|1re|premier|[0-3]?\d)\s+{_FR_MONTH}"
            rf"(?:\s+{_YEAR})?(?!\w)",
            re.IGNORECASE,
        ),
        (rf"(?<!\w){_FR_MONTH}\s+{_YEAR}(?!\w)", re.IGNORECASE),
        (rf"(?<!\w){_FR_DAY}\s+(?:le\s+)?[0-3]?\d(?:er)?(?![\w:h])", re.IGNORECASE),
        (
            rf"(?<![\w-])(?:{_EN_DAY},?\s+)?{_EN_MONTH}\s+[0-3]?\d(?:st|nd|rd|th)?"
            rf"(?:,?\s+{_YEAR})?(?![\w.,]\d)(?!\w)",
            0,
        ),
        (
            rf"(?<!\w)(?:{_EN_DAY},?\s+)?[0-3]?\d(?:st|nd|rd|th)?\s+(?:of\s+)?{_EN_MONTH}"
            rf"(?:,?\s+{_YEAR})?(?!\w)",
            0,
        ),
        (rf"(?<!\w){_EN_MONTH},?\s+{_YEAR}(?!\w)", 0),
        (r"(?<![\w./-])(?:19|20)\d{2}[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])"
         r"(?![\w/-])", 0),
        (r"(?<![\w./-])[0-3]?\d[/.-][0-3]?\d[/.-](?:(?:19|20)\d{2}|\d{2})(?![\w/-])", 0),
    )
]
_AGE = re.compile(
    r"(?<![\w.,])(?:9\d|1[01]\d)\s*(?:ans|an|years?(?:[\s-]old)?|y\.?o\.?|yo|[-\s]year[-\s]old)"
    r"(?!\w)"
    r"|(?:âgée?s?|agée?s?|aged?)\s+(?:de\s+)?(?:9\d|1[01]\d)(?:\s*ans)?(?![\w.,]\d)(?!\w)"
    r"|(?<!\w)(?:nonagénaire|centenaire|nonagenarian|centenarian)s?(?!\w)",
    re.IGNORECASE,
)
_STREET_FR = (
    r"(?i:rue|avenue|av\.|boulevard|boul\.|bd|blvd|chemin|ch\.|rang|route|rte|place|côte|"
    r"impasse|allée|montée|croissant|promenade|quai|cours|square|passage|sentier|terrasse)"
)
_NAME_PART = r"(?:[A-ZÀ-Ý0-9][\w'’.]*(?:-[\w'’.]+)*)"
_PARTICLE = r"(?:(?:de\s+la|de\s+l'|du|des|de|d'|la|le|les|l')\s*)"
_UNIT = (
    r"(?:,?\s*(?i:app\.?|appartement|apt\.?|unité|unit|bureau|suite|logement|log\.)\s*#?\s*\w+"
    r"|,?\s*#\s*\d+\w?)?"
)
_ADDRESS_FR = re.compile(
    rf"(?<![\w,.])\d{{1,5}}(?:\s?(?:bis|ter|[A-Da-d]))?(?:-\d{{1,5}})?,?\s+{_STREET_FR}\s+"
    rf"{_PARTICLE}?{_NAME_PART}(?:[\s-]{_NAME_PART}){{0,3}}"
    rf"(?:\s+(?:Est|Ouest|Nord|Sud|E\.|O\.))?{_UNIT}",
)
_ADDRESS_RANG = re.compile(rf"(?<!\w)\d{{1,2}}e\s+[Rr]ang(?:\s+{_NAME_PART})?{_UNIT}")
_ADDRESS_EN = re.compile(
    r"(?<![\w,.])\d{1,5}[A-Za-z]?\s+(?:[A-Z0-9][\w'’.-]*\s+){1,3}"
    r"(?:Street|St\.?|Road|Rd\.?|Avenue|Ave\.?|Crescent|Cres\.?|Drive|Dr\.?|Lane|Ln\.?|"
    r"Boulevard|Blvd\.?|Court|Ct\.?|Way|Place|Pl\.?|Terrace|Circle|Parkway|Highway|Hwy)"
    r"(?!\w)(?:\s+(?:East|West|North|South|E|W|N|S)(?!\w))?"
    r"(?:,?\s*(?:Apt\.?|Apartment|Unit|Suite|#)\s*#?\s*\w+)?"
)
_STREET_ONLY = re.compile(
    rf"(?<!\w)(?:rue|avenue|boulevard|boul\.|chemin|rang|Street|Avenue)\s+{_PARTICLE}?"
    rf"[A-ZÀ-Ý][\w'’]*(?:-[\w'’]+)*(?:\s+(?:Est|Ouest|Nord|Sud))?"
)
_POSTAL_CA = re.compile(
    r"(?<!\w)[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z][\s-]?\d[ABCEGHJ-NPRSTV-Z]\d(?!\w)",
    re.IGNORECASE,
)
_POSTAL_FR = re.compile(
    r"(?<![\w-])(?:F-)?(?:0[1-9]|[1-8]\d|9[0-8])\d{3}\s+[A-ZÀ-Ý][\w'’]*(?:[\s-][A-ZÀ-Ý][\w'’]*)*"
    r"(?:\s+(?:Cedex|CEDEX)(?:\s+\d{1,2})?)?"
)
_TRAILING = ",.;: "

PRIORITY = {"ADDRESS": 80, "DATE": 70, "AGE": 72, "STREET": 52}


def find_dates(text: str) -> Iterator[Candidate]:
    """Yield full dates (day and month, month and year, numeric dates)."""
    for pattern in _DATES:
        for m in pattern.finditer(text):
            yield m.start(), m.end(), "DATE", PRIORITY["DATE"]


def find_ages(text: str) -> Iterator[Candidate]:
    """Yield ages of 90 and over."""
    for m in _AGE.finditer(text):
        yield m.start(), m.end(), "AGE", PRIORITY["AGE"]


def find_addresses(text: str) -> Iterator[Candidate]:
    """Yield civic addresses, named streets and postal codes."""
    for pattern in (_ADDRESS_FR, _ADDRESS_RANG, _ADDRESS_EN, _POSTAL_CA, _POSTAL_FR):
        for m in pattern.finditer(text):
            end = m.start() + len(m.group().rstrip(_TRAILING))
            yield m.start(), end, "ADDRESS", PRIORITY["ADDRESS"]
    for m in _STREET_ONLY.finditer(text):
        yield m.start(), m.end(), "ADDRESS", PRIORITY["STREET"]


def postal_codes(text: str) -> list[tuple[int, int]]:
    """Return the spans of Canadian and French postal codes (for the benchmark)."""
    spans = [(m.start(), m.end()) for m in _POSTAL_CA.finditer(text)]
    return spans + [(m.start(), m.end()) for m in _POSTAL_FR.finditer(text)]
