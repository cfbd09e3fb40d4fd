"""Text analysis for search: words, elision, accent folding, French + English stems.

Pure functions (no index, no Flask). Every word is reduced to a small set of index terms
("variants") that the index stores at the same position:

* ``stem_fr(fold(w))`` — the canonical term, used for phrases;
* ``fold(stem_fr(w))`` — the French stemmer works better before folding
  (hospitalisée → hospitalis, where hospitalisee → hospitalise);
* ``stem_en(fold(w))`` — English morphology (relapsing → relaps).

A query word matches a document word when their variant sets intersect.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from whoosh.lang.snowball.english import EnglishStemmer
from whoosh.lang.snowball.french import FrenchStemmer

_stem_fr = FrenchStemmer().stem
_stem_en = EnglishStemmer().stem

WORD_RE = re.compile(r"\w+(?:['’]\w+)*")
_APOSTROPHE_RE = re.compile(r"['’]")
ELISIONS = frozenset("l d j m n s t c qu jusqu lorsqu puisqu quoiqu presqu quelqu".split())
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "đ": "d"})
MAX_WORD = 40

STOPWORDS = frozenset(
    """
    a au aux avec ce ces cet cette dans de des du elle en et eux il ils je la le les leur
    lui ma mais me meme mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se
    ses son sur ta te tes toi ton tu un une vos votre vous y est sont ete etre avoir ont
    chez sous sans plus tres aussi comme donc car si cela ca tout tous
    an and are as at be but by for from had has have he her his if in into is it its of on
    or she that the their them there they this to was we were which with you your not no
    """.split()
)


# Words frequent in any French or English clinical text: function words, auxiliaries and
# the commonest clinical nouns, verbs and adjectives. A fixed list (never derived from the
# indexed corpus, so indexing stays incremental and deterministic): an adjacent pair is a
# ``pairs`` term only when one of its words is here. Pairs of two rarer words would make
# the lexicon as large as the text; their phrases intersect short posting lists instead.
FREQUENT_WORDS = """
    a à ai aie ait au aux avec avoir avons avez avait avaient aura auront aussi autre
    autres c ça ce ceci cela celle celles celui ces cet cette ceux chaque chez ci comme
    comment contre d dans de depuis des deux doit donc dont du durant elle elles en encore
    entre est et été étaient était être eu eux fait faire fois font il ils j je jusqu l la
    le les leur leurs lors lui m ma mais me même mes moi moins mon n ne ni non nos notre
    nous on ont ou où par parce pas pendant peu peut plus plusieurs pour pourquoi près
    puis qu quand que quel quelle quelles quels qui quoi s sa sans se selon ses si sien
    soit son sont sous souvent suis sur t ta tant te tes toi ton toujours tous tout toute
    toutes très trop tu un une vers via voici voilà vos votre vous y
    an and any are as at be been being both but by can could did do does during each
    either for from had has have having he her here hers him his how i if in into is it
    its just may me might more most much must my neither no nor not now of off on once
    only or other our out over own per she should since so some such than that the their
    them then there these they this those through to too under until up upon very was we
    were what when where which while who whom whose why will with within without would
    yet you your also again against all after before about above below between
    patient patiente patients patientes équipe suivi suivis semaine semaines mois jour
    jours an ans année années après avant traitement traitements dose doses famille
    familles médecin médecins infirmier infirmière infirmières psychiatre psychiatres
    psychologue travailleur travailleuse social sociale sociaux évaluation évaluations
    plan rencontre rencontres symptôme symptômes contexte soutien situation situations
    question questions avis clinique cliniques difficile difficiles récent récente actuel
    actuelle ancien ancienne important importante cas risque risques histoire antécédents
    diagnostic diagnostics trouble troubles santé mentale mental médication médicament
    médicaments prise suivi urgence urgences hôpital hospitalisation consultation
    intervention interventions besoin besoins demande aide aidant milieu soins soin
    épisode épisodes état niveau problème problèmes cours fin début retour nouveau
    nouvelle nouvelles premier première dernier dernière grand grande petit petite bon
    bonne mauvais autre même tel telle chose choses façon manière temps moment fois
    personne personnes enfant enfants parent parents mère père proche proches vie
    travail école maison domicile service services programme approche objectif objectifs
    patient patients team follow week weeks month months day days year years treatment
    treatments dose doses family families physician physicians doctor nurse nurses
    psychiatrist psychiatrists psychologist worker social assessment plan meeting
    symptom symptoms context support situation question questions opinion clinical
    difficult recent current previous important case cases risk risks history diagnosis
    disorder disorders health mental medication medications drug drugs care emergency
    hospital admission consultation intervention need needs request help level problem
    problems episode episodes state course end start new first last good bad other same
    such thing things way time times person people child children parent parents mother
    father life work school home service services program approach goal goals
    """


@lru_cache(maxsize=100_000)
def fold(text: str) -> str:
    """Lower-case ``text`` and strip accents and ligatures (Hospitalisé → hospitalise)."""
    text = text.lower().translate(_LIGATURES)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _strip_elision(word: str) -> tuple[str, int]:
    """Return ``word`` without a French elided article or English 's, and the offset cut."""
    parts = _APOSTROPHE_RE.split(word)
    if len(parts) == 1:
        return word, 0
    head = parts[0].lower()
    if head in ELISIONS and len(parts) == 2:
        return parts[1], len(parts[0]) + 1
    if parts[-1].lower() == "s":
        return "".join(parts[:-1]), 0
    return "".join(parts), 0


def iter_words(text: str) -> Iterator[tuple[str, int, int]]:
    """Yield ``(word, start, end)`` for each word of ``text``; ``word`` is lower-cased only.

    Elided articles are dropped (l'hospitalisation → hospitalisation, qu'il → il), so
    ``start`` points past them. Very long "words" are truncated.
    """
    for match in WORD_RE.finditer(text):
        word, cut = _strip_elision(match.group())
        if word:
            yield word[:MAX_WORD].lower(), match.start() + cut, match.end()


@lru_cache(maxsize=200_000)
def variants(word: str) -> tuple[str, ...]:
    """Return the index terms for one lower-cased word, canonical (phrase) term first."""
    folded = fold(word)
    if not folded.isalpha():
        return (folded,)
    canonical = _stem_fr(folded)
    terms = [canonical]
    for extra in (fold(_stem_fr(word)) if folded != word else canonical, _stem_en(folded)):
        if extra not in terms:
            terms.append(extra)
    return tuple(terms)


@lru_cache(maxsize=200_000)
def phrase_terms(word: str) -> tuple[str, str]:
    """Return the French-canonical and English stems used to build phrase queries."""
    folded = fold(word)
    if not folded.isalpha():
        return folded, folded
    return _stem_fr(folded), _stem_en(folded)


def words(text: str) -> list[str]:
    """Return the folded words of ``text`` (used for synonyms and spelling)."""
    return [fold(word) for word, _, _ in iter_words(text)]


def is_stopword(word: str) -> bool:
    """Tell whether a word is too common to be worth an AND clause."""
    return fold(word) in STOPWORDS


def pair_term(first: str, second: str) -> str:
    """Return the ``pairs`` index term of two adjacent phrase terms."""
    return f"{first} {second}"


# The phrase terms (French and English stems) of FREQUENT_WORDS.
FREQUENT_TERMS = frozenset(
    term for word in FREQUENT_WORDS.split() for term in phrase_terms(word)
) | STOPWORDS


def has_pair(first: str, second: str) -> bool:
    """Tell whether the pair of adjacent phrase terms is indexed in ``pairs``."""
    return first in FREQUENT_TERMS or second in FREQUENT_TERMS


@dataclass
class Analysis:
    """Everything one text contributes to the index, computed in one pass."""

    positions: dict[str, list[int]]
    pairs: dict[str, int]
    spelling: list[str]


_last: tuple[str, Analysis] | None = None


def analyze(text: str) -> Analysis:
    """Return the index terms of ``text``: variants with positions, phrase pairs, words.

    Each word is analysed once (``variants`` and ``phrase_terms`` are cached), instead
    of once per field and per Whoosh token; the last text is memoised because the
    writer asks for the ``content``, ``pairs`` and ``spell`` fields of the same text.
    """
    global _last
    last = _last
    if last is not None and last[0] is text:
        return last[1]
    positions: dict[str, list[int]] = {}
    pairs: dict[str, int] = {}
    spelling: dict[str, None] = {}
    previous: tuple[str, str] | None = None
    frequent = FREQUENT_TERMS
    pos = -1
    for match in WORD_RE.finditer(text):
        word = _word(match.group())
        if not word:
            continue
        pos += 1
        for term in variants(word):
            found = positions.get(term)
            if found is None:
                positions[term] = [pos]
            else:
                found.append(pos)
        current = phrase_terms(word)
        if previous is not None:
            if previous[0] in frequent or current[0] in frequent:
                french = f"{previous[0]} {current[0]}"
                pairs[french] = pairs.get(french, 0) + 1
            else:
                french = ""
            if (previous[1] != previous[0] or current[1] != current[0]) and (
                previous[1] in frequent or current[1] in frequent
            ):
                english = f"{previous[1]} {current[1]}"
                if english != french:
                    pairs[english] = pairs.get(english, 0) + 1
        previous = current
        folded = fold(word)
        if len(folded) > 2 and folded.isalpha():
            spelling[folded] = None
    result = Analysis(positions, pairs, list(spelling))
    _last = (text, result)
    return result


@lru_cache(maxsize=200_000)
def _word(raw: str) -> str:
    """Return the lower-cased, elision-free, truncated form of one raw word match."""
    word, _ = _strip_elision(raw)
    return word[:MAX_WORD].lower() if word else ""
