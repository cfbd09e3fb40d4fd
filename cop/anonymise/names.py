"""Proper names: PERSON, LOCATION and INSTITUTION candidates.

Evidence, strongest first: an establishment word before a name ("CLSC Hochelaga"), an
honorific ("Mme Tremblay"), a kinship or role word ("sa fille Julie"), a known first name,
a place from the gazetteer (common-word places need "à", "in"...), a capitalised word that
acts ("Kaël a refusé"). Eponyms in clinical phrases ("maladie de Wilson") and drug names
are never names. A name found once is found again everywhere in the same text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .lexicon import Lexicon, fold, lexicon

Candidate = tuple[int, int, str, int]

_UP = "A-ZÀ-ÖØ-ÞŒ"
_NAME = rf"(?:(?:de|du|van|von|da|di|Mc|O'|O’)\s?)?[{_UP}][\w'’]*(?:-[{_UP}][\w'’]*\.?)*"
_HONORIFIC = re.compile(
    r"(?<![\w.])(?:M\.|MM\.|Mme|Mmes|Mlle|Dre?|Drs|Me|Pre?|Mr|Mrs|Ms|Mx|Dr\.|Mr\.|Mrs\.|Ms\.|"
    r"Pr\.|[Dd]octeure?|[Pp]rofesseure?|Maître|[Mm]adame|[Mm]onsieur|Miss|Doctor|Prof\.?)"
    rf"\s+(?P<name>{_NAME}(?:\s+{_NAME}){{0,2}})"
)
_KIN = (
    r"fille|fils|mère|père|sœur|soeur|frère|conjointe?|époux|épouse|mari|femme|copain|copine|"
    r"chum|blonde|amie?|grand-mère|grand-père|petit-fils|petite-fille|tante|oncle|cousine?|"
    r"neveu|nièce|beau-père|belle-mère|belle-sœur|beau-frère|demi-frère|demi-sœur|"
    r"partenaire|colocataire|coloc|voisine?|enseignante?|patiente?|usagère|usager|"
    r"intervenante?|éducatrice|éducateur|tuteur|tutrice|curatrice|curateur|"
    r"travailleuse sociale|travailleur social|infirmière|infirmier|psychologue|psychiatre|"
    r"médecin|prénommée?|nommée?|surnommée?|appelée?|s'appelle|se nomme|"
    r"daughter|son|mother|father|mom|dad|sister|brother|husband|wife|partner|boyfriend|"
    r"girlfriend|friend|grandmother|grandfather|grandson|granddaughter|aunt|uncle|nephew|"
    r"niece|stepfather|stepmother|roommate|neighbou?r|teacher|client|caseworker|nurse|"
    r"named|called|is called|goes by"
)
_KIN_NAME = re.compile(
    rf"(?<!\w)(?i:{_KIN})(?:\s*,\s*|\s+)(?P<name>[{_UP}][\w'’]*(?:-[{_UP}][\w'’]*)*"
    rf"(?:\s+[{_UP}][\w'’]*(?:-[{_UP}][\w'’]*)*)?)"
)
_INST_HEAD = (
    r"CHU|CHUM|CHUQ|CHUL|CHUS|CUSM|CHSLD|CLSC|CIUSSS|CISSS|CSSS|CRDI|CRDP|CHS|CHR|CHRU|CH|"
    r"GHU|EPSM|CMP|CMPP|CATTP|EHPAD|Ehpad|IME|ITEP|ESAT|SAMSAH|GMF|GMF-U|UMF|RI|RTF|"
    r"[Hh][ôo]pital|[Ii]nstitut|[Cc]linique|[Cc]entre hospitalier|[Cc]entre jeunesse|"
    r"[Cc]entre de réadaptation|[Cc]entre|[Pp]avillon|[ÉéEe]cole(?:\s+(?:secondaire|primaire|"
    r"élémentaire))?|[Cc]ollège|[Cc]égep|[Ll]ycée|[Pp]olyvalente|[Uu]niversité|[Ff]oyer|"
    r"[Rr]ésidence|[Mm]aison|[Mm]anoir|[Rr]efuge|[Pp]rison|[Rr]essource intermédiaire|"
    r"[Rr]essource de type familial|[Cc]entre d'hébergement|Hospital|Clinic|Institute"
)
_INST_QUALIFIER = (
    r"(?:\s+(?:universitaire|général|générale|psychiatrique|régional|régionale|juif|"
    r"en santé mentale|de santé mentale|pour enfants|de jour|d'hébergement)){0,3}"
)
_INST_WORD = rf"[{_UP}](?:[\w'’]*|\.)(?:-(?:[{_UP}]\.|[\w'’]+))*"
_INST_NAME = (
    rf"{_INST_WORD}(?:\s+(?:(?:de\s+la|de\s+l'|du|des|de|d'|sur|en|et|la|le)\s*)?"
    rf"{_INST_WORD}){{0,4}}"
)
_INSTITUTION = re.compile(
    rf"(?<![\w-])(?:{_INST_HEAD}){_INST_QUALIFIER}\s+"
    rf"(?:(?:du|de\s+la|de\s+l'|de\s+l’|de|des|d'|d’|Le|La|Les|L'|L’)\s*)?{_INST_NAME}"
)
_INSTITUTION_EN = re.compile(
    rf"(?<!\w)(?:[{_UP}][\w'’.-]+\s+){{1,4}}(?:General Hospital|Hospital|Institute|Clinic|"
    r"Cent(?:re|er)|High School|Elementary School|School|Academy|"
    r"University|College|Shelter|Manor|Lodge|Group Home|Mission)(?!\w)"
)
_EPONYM = re.compile(
    r"(?i:maladie|syndrome|démence|chorée|encéphalopathie|psychose|signe|échelle|test|"
    r"score|disease|dementia|chorea|scale|inventaire|inventory|corps)"
    rf"\s+(?:de\s+|d'|d’|du\s+|à\s+corps\s+de\s+|of\s+)?[{_UP}][\w'’-]*"
    rf"(?:\s+(?:de\s+la\s+|et\s+|-)?[{_UP}][\w'’-]*)*"
    rf"|[{_UP}][\w'’-]*(?:'s|’s)?\s+(?i:disease|syndrome|dementia|chorea|disorder|scale)"
)
_LANDMARK = re.compile(
    r"(?<!\w)(?:pont|station|métro|parc|marché|quartier|secteur|arrondissement|village|"
    r"municipalité|paroisse|bridge|station|park|neighbourhood|neighborhood|borough)"
    rf"\s+(?:de\s+|du\s+|d'|of\s+)?(?P<name>[{_UP}][\w'’]*(?:-[\w'’]+)*"
    rf"(?:\s+[{_UP}][\w'’]*(?:-[\w'’]+)*)?)"
)
_SAINT = re.compile(rf"(?<![\w-])(?:Saint|Sainte|St|Ste)-[{_UP}][\w'’]*(?:-[\w'’]+)*")
_NAME_AGE = re.compile(
    rf"(?<![\w-])(?P<name>[{_UP}][a-zà-ÿ'’]+(?:-[{_UP}][a-zà-ÿ'’]+)?)"
    r"(?=\s*(?:,|\()\s*\d{1,3}\s*(?:ans|years?(?:[\s-]old)?|y\.?o\.?)?\s*(?:,|\)))"
)
_TRAILING_PLACE = re.compile(rf"\s+(?:de|d'|à)\s*(?P<place>[{_UP}][\w'’-]*(?:\s[{_UP}][\w'’-]*)?)$")
_NAMED = re.compile(rf"\S+(?:\s+[a-zéèà'’]+)*\s+[{_UP}]")
_TOKEN = re.compile(r"[^\W\d_]+(?:[-–][^\W\d_]+)*")
_FUNCTION = {"le", "la", "les", "de", "du", "des", "et", "the", "and", "of", "un", "une"}
_PREPOSITIONS = {
    "a", "au", "aux", "en", "de", "d", "du", "vers", "pres", "depuis", "dans", "sur",
    "in", "at", "from", "to", "near", "around", "ville", "town", "city", "habite", "lives",
}
_QUEBEC_PREPOSITIONS = {"a", "de", "d"}
_VERBS = {
    "a", "est", "était", "avait", "aurait", "dit", "disait", "refuse", "refusait", "accepte",
    "pleure", "crie", "vit", "habite", "travaille", "explique", "rapporte", "mentionne",
    "affirme", "nie", "raconte", "semble", "se", "ne", "n'a", "n'est", "va", "veut", "prend",
    "reste", "s'est", "fait", "arrive", "revient", "consulte", "souhaite", "demande", "parle",
    "fréquente", "menace", "frappe", "appelle", "sort", "dort", "mange", "boit", "fume",
    "says", "said", "is", "was", "has", "had", "refuses", "refused", "reports", "reported",
    "denies", "denied", "lives", "lived", "works", "worked", "told", "tells", "came", "comes",
    "wants", "wanted", "seems", "called", "calls", "stopped", "started", "agreed", "agrees",
    "can't", "doesn't", "didn't", "won't", "isn't", "wasn't", "keeps", "hears", "believes",
}
PRIORITY = {
    "INSTITUTION": 60, "KIN": 56, "HONORIFIC": 55, "PLACE": 50, "FIRST": 48,
    "PLACE_CONTEXT": 46, "SAINT": 45, "REPEAT": 44, "NAME_AGE": 40, "VERB": 35, "PAIR": 30,
    "LANDMARK": 57,
}


def _protected(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _EPONYM.finditer(text)]


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans)


def _sentence_initial(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t\"'«“(*-–—•>")
    return not before or before[-1] in ".!?:\n;" or before.endswith(("...", "…"))


def _is_name_word(word: str, lex: Lexicon) -> bool:
    key = fold(word)
    return (
        bool(key)
        and key not in lex.clinical
        and key not in _FUNCTION
        and (key not in lex.common or key in lex.first_names)
        and not word.isupper()
    )


def _is_first_name(word: str, lex: Lexicon) -> bool:
    key = fold(word)
    return key in lex.first_names or fold(word.split("-")[0]) in lex.first_names


def find_institutions(text: str) -> Iterator[Candidate]:
    """Yield named establishments (a generic service word alone is not one)."""
    lex = lexicon()
    for pattern in (_INSTITUTION, _INSTITUTION_EN):
        for m in pattern.finditer(text):
            start, value = m.start(), m.group().rstrip(".,;:'’")
            words = value.split()
            while words and fold(words[0]) in lex.common and pattern is _INSTITUTION_EN:
                start += text[start:].index(words[1]) if len(words) > 1 else 0
                words = words[1:]
            generic = words[0][0].islower() and len(words) == 2 and words[1].isupper()
            if (len(words) > 1 or pattern is _INSTITUTION) and not generic:
                yield from _split_place(text, start, m.start() + len(value), lex)
    for m in lex.institutions.finditer(text):
        yield m.start(), m.end(), "INSTITUTION", PRIORITY["INSTITUTION"]


def _split_place(text: str, start: int, end: int, lex: Lexicon) -> Iterator[Candidate]:
    """Yield an institution, cutting off a trailing "de <town>" after a complete name."""
    m = _TRAILING_PLACE.search(text, start, end)
    if m and fold(m.group("place")) in lex.places and _NAMED.match(text, start, m.start()):
        yield start, m.start(), "INSTITUTION", PRIORITY["INSTITUTION"]
        yield m.start("place"), end, "LOCATION", PRIORITY["INSTITUTION"]
    else:
        yield start, end, "INSTITUTION", PRIORITY["INSTITUTION"]


def find_names_and_places(text: str) -> Iterator[Candidate]:
    """Yield PERSON and LOCATION candidates."""
    lex = lexicon()
    protected = _protected(text)
    found: list[Candidate] = []
    for m in _HONORIFIC.finditer(text):
        found.extend(_trim_name(text, m.start("name"), m.group("name"), "HONORIFIC", lex))
    for m in _KIN_NAME.finditer(text):
        if not _overlaps(protected, m.start("name"), m.end("name")):
            found.extend(_trim_name(text, m.start("name"), m.group("name"), "KIN", lex))
    for m in _LANDMARK.finditer(text):
        if _is_name_word(m.group("name").split()[0], lex) or fold(m.group("name")) in lex.places:
            found.append((m.start("name"), m.end("name"), "LOCATION", PRIORITY["LANDMARK"]))
    for m in _SAINT.finditer(text):
        found.append((m.start(), m.end(), "LOCATION", PRIORITY["SAINT"]))
    for m in _NAME_AGE.finditer(text):
        if _is_name_word(m.group("name"), lex) and fold(m.group("name")) not in lex.places:
            found.append((m.start("name"), m.end("name"), "PERSON", PRIORITY["NAME_AGE"]))
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
    found.extend(_scan_tokens(text, tokens, lex, protected))
    yield from found
    yield from _repeat(text, tokens, found, lex)


def _trim_name(text: str, start: int, name: str, rule: str, lex: Lexicon) -> list[Candidate]:
    """Keep the leading words of ``name`` that look like a name."""
    end, pos = start, start
    for word in name.split():
        pos = text.index(word, pos)
        if not _is_name_word(word.rstrip("."), lex) and rule != "HONORIFIC":
            break
        if fold(word) in _FUNCTION or fold(word) in lex.clinical:
            break
        end = pos + len(word.rstrip(".")) if word.endswith(".") and len(word) > 2 else pos + len(
            word
        )
        pos = end
    return [(start, end, "PERSON", PRIORITY[rule])] if end > start else []


def _scan_tokens(
    text: str, tokens: list[tuple[int, int, str]], lex: Lexicon, protected: list[tuple[int, int]]
) -> Iterator[Candidate]:
    """Look tokens up in the gazetteer and the first-name list; apply the verb rule."""
    count, skip = len(tokens), -1
    for i, (start, end, word) in enumerate(tokens):
        if i <= skip or not word[0].isupper() or _overlaps(protected, start, end):
            continue
        key = fold(word)
        first = _is_first_name(word, lex) and not word.isupper()
        place = _place_at(text, tokens, i, lex)
        if place and (not first or place[3] == PRIORITY["PLACE_CONTEXT"] or place[1] > end):
            yield place
            continue
        initial = _sentence_initial(text, start)
        if key in lex.clinical or word.isupper() or len(word) < 2:
            continue
        if first and (key not in lex.common or not initial):
            stop = end
            for j in range(i + 1, min(i + 3, count)):
                nstart, nend, nword = tokens[j]
                gap = text[stop:nstart]
                if gap.strip() or not nword[0].isupper() or not _is_name_word(nword, lex):
                    break
                stop, skip = nend, j
            yield start, stop, "PERSON", PRIORITY["FIRST"]
            continue
        if key in lex.common or key in lex.first_names:
            continue
        nxt = tokens[i + 1] if i + 1 < count else None
        gap = text[end : nxt[0]] if nxt else ""
        verb = text[end:].lstrip().split(" ", 1)[0].casefold() if gap.strip() == "" else ""
        if nxt and gap in (" ", "") and verb in _VERBS:
            yield start, end, "PERSON", PRIORITY["VERB"]
        elif (
            nxt
            and not initial
            and gap == " "
            and nxt[2][0].isupper()
            and _is_name_word(nxt[2], lex)
            and fold(nxt[2]) not in lex.places
        ):
            yield start, nxt[1], "PERSON", PRIORITY["PAIR"]


def _place_at(
    text: str, tokens: list[tuple[int, int, str]], i: int, lex: Lexicon
) -> Candidate | None:
    """Return the longest gazetteer place starting at token ``i``, if its context allows."""
    start = tokens[i][0]
    last = min(len(tokens), i + lex.longest_place + 2)
    for j in range(last - 1, i - 1, -1):
        end = tokens[j][1]
        if j > i and not tokens[j][2][0].isupper():
            continue
        span = text[start:end]
        if any(ch in span for ch in ",.;:()\n"):
            continue
        key = fold(span)
        if key not in lex.places:
            continue
        previous = fold(tokens[i - 1][2]) if i else ""
        close = i and len(text[tokens[i - 1][1] : start].strip(" '’")) == 0
        if key == "quebec":
            if close and previous in _QUEBEC_PREPOSITIONS or text.startswith(" City", end):
                return start, end, "LOCATION", PRIORITY["PLACE_CONTEXT"]
            return None
        if not lex.places[key]:
            return start, end, "LOCATION", PRIORITY["PLACE"]
        if close and previous in _PREPOSITIONS:
            return start, end, "LOCATION", PRIORITY["PLACE_CONTEXT"]
        return None
    return None


def _repeat(
    text: str, tokens: list[tuple[int, int, str]], found: list[Candidate], lex: Lexicon
) -> Iterator[Candidate]:
    """Find again, anywhere in the text, each word of a name already found."""
    known = set()
    for start, end, kind, prio in found:
        if kind == "PERSON" and prio >= PRIORITY["FIRST"]:
            for word in _TOKEN.findall(text[start:end]):
                key = fold(word)
                if len(key) > 2 and key not in lex.common and key not in _FUNCTION:
                    known.add(key)
    if not known:
        return
    for start, end, word in tokens:
        if word[0].isupper() and fold(word) in known:
            yield start, end, "PERSON", PRIORITY["REPEAT"]
