"""Parse a user query string (and form filters) into a Whoosh query, never raising.

Syntax: words (all required), ``"a phrase"``, ``-word`` / ``NOT word``, ``a OR b`` (binds
tighter than the implicit AND), ``prefix*`` and filters ``tag: status: profession: sector:
kind: after: before:`` (French aliases: étiquette, statut, secteur, type, après, avant).
Unquoted words that form a synonym entry are expanded to the whole group; quotes disable it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from whoosh import query as wq

from cop.search.analysis import fold, is_stopword, iter_words, phrase_terms, variants
from cop.search.documents import KINDS, STATUSES
from cop.search.schema import naive_utc, normalize_value
from cop.search.synonyms import Entry, SynonymTable

MAX_CHARS = 1000
MAX_CLAUSES = 24
MAX_PREFIXES = 4
FIELDS = {
    "tag": "tag",
    "tags": "tag",
    "etiquette": "tag",
    "status": "status",
    "statut": "status",
    "profession": "profession",
    "sector": "sector",
    "secteur": "sector",
    "kind": "kind",
    "type": "kind",
    "after": "after",
    "apres": "after",
    "before": "before",
    "avant": "before",
}
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")
_TOKEN_RE = re.compile(
    r"""(?P<neg>[-!])?(?:
        (?P<field>[^\W\d_][\w]*):(?:"(?P<fquoted>[^"]*)"?|(?P<fvalue>[^\s"()]+))
      | "(?P<phrase>[^"]*)"?
      | (?P<word>[^\s"()]+))""",
    re.VERBOSE,
)


@dataclass
class Atom:
    """A word, a phrase, a prefix, or a synonym group."""

    words: Entry = ()
    prefix: str = ""
    quoted: bool = False
    group: tuple[Entry, ...] = ()


@dataclass
class Clause:
    """Alternatives joined by OR; the clause is required, or excluded when ``negated``."""

    alternatives: list[Atom]
    negated: bool = False


@dataclass
class ParsedQuery:
    """The Whoosh query plus what the highlighter and the speller need."""

    query: wq.Query | None = None
    terms: set[str] = field(default_factory=set)
    prefixes: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    filtered: bool = False


def parse(text: str, filters: dict[str, Any] | None, synonyms: SynonymTable) -> ParsedQuery:
    """Build a :class:`ParsedQuery` from the query string and the form filters."""
    parsed = ParsedQuery()
    text = _CONTROL_RE.sub(" ", text or "")
    if len(text) > MAX_CHARS:
        parsed.messages.append(f"Only the first {MAX_CHARS} characters were searched.")
        text = text[:MAX_CHARS]
    clauses, raw_filters = _lex(text, parsed)
    for name, value in (filters or {}).items():
        _add_form_filter(raw_filters, name, value)
    if len(clauses) > MAX_CLAUSES:
        parsed.messages.append(f"Only the first {MAX_CLAUSES} words were searched.")
        clauses = clauses[:MAX_CLAUSES]
    clauses = _expand_synonyms(clauses, synonyms)
    filter_queries, negative_filters = _filter_queries(raw_filters, parsed)
    parsed.filtered = bool(filter_queries or negative_filters)
    positives = [c for c in clauses if not c.negated]
    if len(positives) > 1 or filter_queries:
        kept = [c for c in positives if not _is_stopword_clause(c)]
        positives = kept or positives
    required = [q for c in positives if (q := _clause_query(c, parsed, True))]
    excluded = [q for c in clauses if c.negated and (q := _clause_query(c, parsed, False))]
    excluded += negative_filters
    parts = required + filter_queries
    if parts:
        query: wq.Query = parts[0] if len(parts) == 1 else wq.And(parts)
    elif excluded:
        query = wq.Every()
    else:
        if text.strip() and not parsed.messages:
            parsed.messages.append("Type at least one word to search for.")
        return parsed
    if excluded:
        query = wq.AndNot(query, excluded[0] if len(excluded) == 1 else wq.Or(excluded))
    parsed.query = query
    return parsed


def _lex(text: str, parsed: ParsedQuery) -> tuple[list[Clause], list[tuple[str, str, bool]]]:
    clauses: list[Clause] = []
    filters: list[tuple[str, str, bool]] = []
    pending_or = pending_not = False
    for match in _TOKEN_RE.finditer(text):
        negated = bool(match["neg"])
        name = fold(match["field"] or "")
        if name in FIELDS:
            value = match["fquoted"] if match["fquoted"] is not None else match["fvalue"]
            filters.append((FIELDS[name], value or "", negated or pending_not))
            pending_not = False
            continue
        raw = match.group(0)[1:] if negated else match.group(0)
        if match["phrase"] is None and not negated:
            if raw in ("OR", "OU", "|", "||"):
                pending_or = bool(clauses)
                continue
            if raw in ("AND", "ET", "&&", "+"):
                continue
            if raw in ("NOT", "SAUF"):
                pending_not = True
                continue
        atom = _atom(match["phrase"] if match["phrase"] is not None else raw, match, parsed)
        if atom is None:
            continue
        negated = negated or pending_not
        if pending_or and not negated and not clauses[-1].negated:
            clauses[-1].alternatives.append(atom)
        else:
            clauses.append(Clause([atom], negated))
        pending_or = pending_not = False
    return clauses, filters


def _atom(raw: str, match: re.Match[str], parsed: ParsedQuery) -> Atom | None:
    quoted = match["phrase"] is not None
    found = tuple(word for word, _, _ in iter_words(raw))
    if not found:
        return None
    if not quoted and raw.endswith("*") and len(found) == 1:
        prefix = fold(found[0])
        if len(prefix) < 2 or len(parsed.prefixes) >= MAX_PREFIXES:
            parsed.messages.append(f"“{raw}”: a prefix needs at least 2 letters (max 4 prefixes).")
            return None
        return Atom(prefix=prefix)
    return Atom(words=found, quoted=quoted)


def _expand_synonyms(clauses: list[Clause], synonyms: SynonymTable) -> list[Clause]:
    """Replace runs of bare words, and whole atoms, that form a synonym entry."""
    out: list[Clause] = []
    i = 0
    while i < len(clauses):
        run = []
        while i + len(run) < len(clauses) and _is_bare_word(clauses[i + len(run)]):
            run.append(clauses[i + len(run)].alternatives[0].words[0])
        found = synonyms.match(run, 0) if run else None
        if found:
            out.append(Clause([Atom(words=tuple(run[: found[0]]), group=found[1])]))
            i += found[0]
            continue
        clause = clauses[i]
        for atom in clause.alternatives:
            hit = synonyms.match(list(atom.words), 0) if atom.words and not atom.quoted else None
            if hit and hit[0] == len(atom.words):
                atom.group = hit[1]
        out.append(clause)
        i += 1
    return out


def _is_bare_word(clause: Clause) -> bool:
    atom = clause.alternatives[0]
    return (
        not clause.negated
        and len(clause.alternatives) == 1
        and len(atom.words) == 1
        and not atom.quoted
        and not atom.prefix
    )


def _is_stopword_clause(clause: Clause) -> bool:
    atom = clause.alternatives[0]
    return _is_bare_word(clause) and not atom.group and is_stopword(atom.words[0])


def _clause_query(clause: Clause, parsed: ParsedQuery, positive: bool) -> wq.Query | None:
    queries = [q for atom in clause.alternatives if (q := _atom_query(atom, parsed, positive))]
    if not queries:
        return None
    return queries[0] if len(queries) == 1 else wq.Or(queries)


def _atom_query(atom: Atom, parsed: ParsedQuery, positive: bool) -> wq.Query | None:
    if atom.prefix:
        if positive:
            parsed.prefixes.append(atom.prefix)
        return wq.Prefix("spell", atom.prefix)
    if positive:
        parsed.words.extend(atom.words)
    entries = atom.group or (atom.words,)
    queries = [_entry_query(entry, parsed if positive else None) for entry in entries]
    return queries[0] if len(queries) == 1 else wq.Or(queries)


def _entry_query(words: Entry, parsed: ParsedQuery | None) -> wq.Query:
    if parsed is not None:
        for word in words:
            parsed.terms.update(variants(word))
    if len(words) == 1:
        terms = [wq.Term("content", text) for text in variants(words[0])]
        return terms[0] if len(terms) == 1 else wq.Or(terms)
    french, english = zip(*(phrase_terms(word) for word in words), strict=True)
    phrase = wq.Phrase("content", list(french))
    return phrase if french == english else wq.Or([phrase, wq.Phrase("content", list(english))])


def _add_form_filter(raw: list[tuple[str, str, bool]], name: str, value: Any) -> None:
    if name not in FIELDS.values() and name != "tags":
        raise ValueError(f"unknown search filter {name!r}")
    name = FIELDS[name]
    values = value if isinstance(value, list | tuple | set) else [value]
    for item in values:
        if isinstance(item, date | datetime):
            item = item.isoformat()
        if item is not None and str(item).strip():
            raw.append((name, str(item), False))


def _filter_queries(
    raw: list[tuple[str, str, bool]], parsed: ParsedQuery
) -> tuple[list[wq.Query], list[wq.Query]]:
    """Return (required, excluded) filter queries: tags AND together, other values OR."""
    grouped: dict[tuple[str, bool], list[wq.Query]] = {}
    for name, value, negated in raw:
        query = _filter_query(name, value.strip(), parsed)
        if query is not None:
            key = (f"tag{len(grouped)}" if name == "tag" and not negated else name, negated)
            grouped.setdefault(key, []).append(query)
    required, excluded = [], []
    for (_, negated), queries in grouped.items():
        query = queries[0] if len(queries) == 1 else wq.Or(queries)
        (excluded if negated else required).append(query)
    return required, excluded


def _filter_query(name: str, value: str, parsed: ParsedQuery) -> wq.Query | None:
    if name in ("after", "before"):
        moment = _parse_date(value)
        if moment is None:
            parsed.messages.append(f"“{name}:{value}”: write dates as YYYY-MM-DD.")
            return None
        if name == "after":
            return wq.DateRange("created_at", moment, None)
        return wq.DateRange("created_at", None, moment - timedelta(microseconds=1))
    normal = normalize_value(value)
    allowed = {"kind": KINDS, "status": STATUSES}.get(name)
    if not normal or (allowed and normal not in allowed):
        choices = ", ".join(allowed or ())
        parsed.messages.append(f"“{name}:{value}” is not a known {name} ({choices}).")
        return None
    field_name = "tags" if name == "tag" else name
    return wq.Term(field_name, normal)


def _parse_date(value: str) -> datetime | None:
    """Read YYYY-MM-DD (or any ISO date-time), YYYY-MM or YYYY; None if unreadable."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    for fmt in ("%Y-%m", "%Y"):
        if moment is None:
            try:
                moment = datetime.strptime(value, fmt)
            except ValueError:
                continue
    if moment is None or moment.year < 2 or moment.year > 9998:
        return None
    return naive_utc(moment)
