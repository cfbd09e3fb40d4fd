"""Specification of the identifier detector (cop.anonymise.detect)."""

from __future__ import annotations

import sys
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cop.anonymise import KINDS, Finding, find_identifiers, guess_language, label_for, redact

sys.path.insert(0, str(Path(__file__).parent / "data" / "anonymisation_corpus"))
from loader import load  # noqa: E402


def kinds_of(text: str) -> dict[str, str]:
    return {f.text: f.kind for f in find_identifiers(text)}


def assert_found(text: str, expected: str, kind: str) -> None:
    findings = find_identifiers(text)
    hits = [f for f in findings if f.kind == kind and expected in text[f.start : f.end + 1]]
    assert hits or any(
        f.kind == kind and f.start <= text.index(expected) < f.end for f in findings
    ), f"{expected!r} not found as {kind} in {findings}"


def test_contract_shape():
    text = "Mme Tremblay, 93 ans, au 514 555-1234."
    findings = find_identifiers(text)
    assert [f.kind for f in findings] == ["PERSON", "AGE", "PHONE"]
    for f in findings:
        assert isinstance(f, Finding) and f.kind in KINDS
        assert text[f.start : f.end] == f.text
    with pytest.raises(FrozenInstanceError):
        findings[0].kind = "DATE"  # type: ignore[misc]
    assert not hasattr(findings[0], "__dict__")


@pytest.mark.parametrize("text, expected, kind", [
    ("Sa fille Julie est venue.", "Julie", "PERSON"),
    ("Her brother Kevin lives alone.", "Kevin", "PERSON"),
    ("Le conjoint, Marc, refuse.", "Marc", "PERSON"),
    ("Vu par Mme Lachance hier.", "Lachance", "PERSON"),
    ("Référée par la Dre Caron.", "Caron", "PERSON"),
    ("Seen by Dr. Ahmed today.", "Ahmed", "PERSON"),
    ("Rencontre avec Jean-François Tremblay.", "Jean-François Tremblay", "PERSON"),
    ("Marie-Ève refuse le suivi.", "Marie-Ève", "PERSON"),
    ("Kaël a refusé de venir.", "Kaël", "PERSON"),
    ("Rendez-vous le 12 mars 2024.", "12 mars 2024", "DATE"),
    ("Vu lundi 18 novembre.", "lundi 18 novembre", "DATE"),
    ("Depuis le 1er mai.", "1er mai", "DATE"),
    ("Admission 2024-01-15.", "2024-01-15", "DATE"),
    ("Né le 14/06/2023.", "14/06/2023", "DATE"),
    ("DOB 07/22/1986.", "07/22/1986", "DATE"),
    ("Seen March 3, 2024.", "March 3, 2024", "DATE"),
    ("Seen Jan 8th.", "Jan 8th", "DATE"),
    ("Back on Sept. 12.", "Sept. 12", "DATE"),
    ("Suivie jusqu'en septembre 2023.", "septembre 2023", "DATE"),
    ("Elle a 93 ans.", "93 ans", "AGE"),
    ("A 91-year-old man.", "91-year-old", "AGE"),
    ("Woman aged 96.", "aged 96", "AGE"),
    ("Une dame âgée de 94 ans.", "âgée de 94 ans", "AGE"),
    ("Appeler le 514 555-1234 poste 1234.", "514 555-1234 poste 1234", "PHONE"),
    ("Call 1-800-555-0199 ext. 12.", "1-800-555-0199 ext. 12", "PHONE"),
    ("Portable +33 6 12 34 56 78.", "+33 6 12 34 56 78", "PHONE"),
    ("Tél. 514.555.1234.", "514.555.1234", "PHONE"),
    ("Tél. 06 12 48 77 90.", "06 12 48 77 90", "PHONE"),
    ("Écrire à julie.t@exemple.qc.ca.", "julie.t@exemple.qc.ca", "EMAIL"),
    ("Voir https://exemple.org/a?b=1.", "https://exemple.org/a?b=1", "URL"),
    ("Voir www.exemple.com.", "www.exemple.com", "URL"),
    ("Voir exemple.qc.ca pour plus.", "exemple.qc.ca", "URL"),
    ("Carte RAMQ TREJ 8503 1512.", "TREJ 8503 1512", "ID"),
    ("Carte TREJ85031512.", "TREJ85031512", "ID"),
    ("NIR 2 46 09 92 065 578 53.", "2 46 09 92 065 578 53", "ID"),
    ("SIN 046 454 286 on file.", "046 454 286", "ID"),
    ("NAS 046-454-286.", "046-454-286", "ID"),
    ("Dossier no 448120.", "448120", "ID"),
    ("MRN: 0045821.", "0045821", "ID"),
    ("Réf. CSM-2231.", "CSM-2231", "ID"),
    ("Vit au 4521, rue Saint-Denis, app. 4.", "4521, rue Saint-Denis, app. 4", "ADDRESS"),
    ("Lives at 5520 Queen Mary Road, Apt 12.", "5520 Queen Mary Road, Apt 12", "ADDRESS"),
    ("Au 27, chemin du Lac-Noir.", "27, chemin du Lac-Noir", "ADDRESS"),
    ("Code postal H2X 1Y4.", "H2X 1Y4", "ADDRESS"),
    ("Code postal h2x1y4.", "h2x1y4", "ADDRESS"),
    ("Domicile : 75011 Paris.", "75011 Paris", "ADDRESS"),
    ("Elle vit à Rimouski.", "Rimouski", "LOCATION"),
    ("Il habite Trois-Rivières.", "Trois-Rivières", "LOCATION"),
    ("Appartement dans Hochelaga-Maisonneuve.", "Hochelaga-Maisonneuve", "LOCATION"),
    ("Elle a déménagé à Nice.", "Nice", "LOCATION"),
    ("He moved to Toronto.", "Toronto", "LOCATION"),
    ("Suivie au CHU Sainte-Justine.", "CHU Sainte-Justine", "INSTITUTION"),
    ("Hébergée au CHSLD Saint-Joseph.", "CHSLD Saint-Joseph", "INSTITUTION"),
    ("Vue au CLSC Hochelaga.", "CLSC Hochelaga", "INSTITUTION"),
    ("Le CIUSSS du Centre-Sud a refusé.", "CIUSSS du Centre-Sud", "INSTITUTION"),
    ("Suivie à l'Hôpital Louis-H.-Lafontaine.", "Hôpital Louis-H.-Lafontaine", "INSTITUTION"),
    ("Transférée à l'Institut Douglas.", "Institut Douglas", "INSTITUTION"),
    ("Il vit au foyer Les Érables.", "foyer Les Érables", "INSTITUTION"),
])
def test_finds(text, expected, kind):
    assert_found(text, expected, kind)


@pytest.mark.parametrize("text", [
    "Démence de type Alzheimer avancée.",
    "Syndrome d'Asperger selon l'ancien diagnostic.",
    "Syndrome de Korsakoff, maladie de Parkinson, chorée de Huntington.",
    "Maladie de Wilson et maladie de Crohn.",
    "Syndrome de Gilles de la Tourette.",
    "Démence à corps de Lewy.",
    "Syndrome de Diogène.",
    "Huntington's disease and Tourette syndrome.",
    "Sous Seroquel 300 mg, Abilify, Risperdal, Zyprexa, Clozaril, lithium et Haldol.",
    "Elle est suivie au CLSC et au CMP, la DPJ est impliquée.",
    "Orientée vers le SAVS puis le PPEP, en CHSLD ensuite.",
    "Vue à l'urgence de l'hôpital.",
    "Depuis 3 semaines, elle ne dort plus.",
    "It started 2 years ago, in the spring.",
    "Homme de 45 ans, femme de 89 ans.",
    "A 34-year-old man.",
    "PHQ-9 à 21, GAF 45, GAD-7 à 17.",
    "Diagnostic F32.1 selon la CIM-10.",
    "Elle prend 300 mg le matin.",
    "En mars, elle allait mieux. Le lundi, elle voit sa psychologue.",
    "In March she was better.",
    "La travailleuse sociale et le psychiatre sont d'accord.",
    "Nice to meet you all. Tours of the unit are on Fridays.",
])
def test_leaves_clinical_language_alone(text):
    assert find_identifiers(text) == []


@pytest.mark.parametrize("kind, fr, en", [
    ("PERSON", "[NOM]", "[NAME]"), ("DATE", "[DATE]", "[DATE]"), ("AGE", "[ÂGE]", "[AGE]"),
    ("PHONE", "[TÉLÉPHONE]", "[PHONE]"), ("EMAIL", "[COURRIEL]", "[EMAIL]"),
    ("ID", "[IDENTIFIANT]", "[ID]"), ("ADDRESS", "[ADRESSE]", "[ADDRESS]"),
    ("LOCATION", "[LIEU]", "[PLACE]"), ("INSTITUTION", "[ÉTABLISSEMENT]", "[INSTITUTION]"),
    ("URL", "[LIEN]", "[URL]"),
])
def test_labels(kind, fr, en):
    assert label_for(kind, "fr") == fr
    assert label_for(kind, "en") == en


def test_redact_uses_the_language_of_the_text():
    assert redact("Sa fille Julie vit à Rimouski.") == "Sa fille [NOM] vit à [LIEU]."
    assert redact("Her brother Kevin lives in Toronto.") == (
        "Her brother [NAME] lives in [PLACE]."
    )
    assert redact("Sa fille Julie.", lang="en") == "Sa fille [NAME]."


@pytest.mark.parametrize("text, lang", [
    ("Elle est suivie depuis deux ans et refuse la médication.", "fr"),
    ("She has been followed for two years and refuses medication.", "en"),
    ("", "fr"),
])
def test_guess_language(text, lang):
    assert guess_language(text) == lang


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_never_raises_and_spans_are_valid(text):
    findings = find_identifiers(text)
    previous_end = 0
    for f in findings:
        assert 0 <= previous_end <= f.start < f.end <= len(text)
        assert f.kind in KINDS and text[f.start : f.end] == f.text
        previous_end = f.end
    redact(text, findings)


_PIECES = [
    "Sa fille Julie", "Mme Tremblay", "le 12 mars 2024", "93 ans", "514 555-1234",
    "a.b@exemple.ca", "TREJ 8503 1512", "4521, rue Saint-Denis", "à Rimouski",
    "au CLSC Hochelaga", "www.exemple.com", "H2X 1Y4",
]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=6),
       st.sampled_from([" et ", ", ", ". Puis ", " ; "]))
def test_redaction_removes_what_was_found(pieces, glue):
    text = "Bonjour. " + glue.join(pieces) + "."
    findings = find_identifiers(text)
    redacted = redact(text, findings)
    for f in findings:
        assert f.text not in redacted


@pytest.mark.parametrize("split", ["dev", "heldout"])
def test_corpus_meets_the_floors(split):
    gold = caught = found = correct = 0
    strict = {"PHONE": [0, 0], "EMAIL": [0, 0], "URL": [0, 0], "ID": [0, 0], "POSTAL": [0, 0]}
    for v in load(split):
        findings = find_identifiers(v.text)
        for g in v.gold:
            kind = "ADDRESS" if g.kind == "POSTAL" else g.kind
            hit = any(f.kind == kind and f.start < g.end and g.start < f.end for f in findings)
            gold += 1
            caught += hit
            if g.kind in strict:
                strict[g.kind][0] += hit
                strict[g.kind][1] += 1
        for f in findings:
            found += 1
            correct += any(
                f.kind == ("ADDRESS" if g.kind == "POSTAL" else g.kind)
                and f.start < g.end and g.start < f.end
                for g in v.gold
            )
    assert caught / gold >= 0.97
    assert correct / found >= 0.90
    for kind, (hit, total) in strict.items():
        assert hit == total, kind


def test_corpus_size():
    vignettes = load("dev") + load("heldout")
    assert len(vignettes) >= 75
    assert sum(len(v.gold) for v in vignettes) >= 300
    assert sum(len(v.traps) for v in vignettes) >= 100
    assert {v.lang for v in vignettes} == {"fr", "en"}
