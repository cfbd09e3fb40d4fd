"""Turn the structured sections of a case or a synthesis into one Markdown text."""

from __future__ import annotations

from cop.models import CASE_SECTIONS, SYNTHESIS_SECTIONS

# Headings are part of the stored text, so they follow the case's language, not the reader's.
HEADINGS = {
    "fr": {
        "situation": "Situation",
        "tried": "Ce qui a été essayé",
        "stuck": "Où ça bloque",
        "question": "Question à la communauté",
        "helped": "Ce qui a aidé",
        "did_not_help": "Ce qui n'a pas aidé",
        "open_questions": "Questions ouvertes",
    },
    "en": {
        "situation": "Situation",
        "tried": "What has been tried",
        "stuck": "Where it is stuck",
        "question": "Question to the community",
        "helped": "What helped",
        "did_not_help": "What did not help",
        "open_questions": "Open questions",
    },
}


def compose(sections: dict[str, str], order: tuple[str, ...], language: str) -> str:
    """Join the non-empty sections under level-3 headings, in `order`."""
    headings = HEADINGS.get(language, HEADINGS["fr"])
    parts = []
    for name in order:
        text = (sections.get(name) or "").strip()
        if text:
            parts.append(f"### {headings[name]}\n\n{text}")
    return "\n\n".join(parts)


def compose_case(sections: dict[str, str], language: str) -> str:
    return compose(sections, CASE_SECTIONS, language)


def compose_synthesis(sections: dict[str, str], language: str) -> str:
    return compose(sections, SYNTHESIS_SECTIONS, language)
