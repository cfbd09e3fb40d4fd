"""Translated labels for the stored codes (professions, sectors, states...)."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

PROFESSIONS = {
    "psychiatrist": _l("Psychiatrist"),
    "general_practitioner": _l("General practitioner"),
    "psychologist": _l("Psychologist"),
    "social_worker": _l("Social worker"),
    "nurse": _l("Nurse"),
    "psychoeducator": _l("Psychoeducator / special educator"),
    "occupational_therapist": _l("Occupational therapist"),
    "community_worker": _l("Community worker"),
    "peer_helper": _l("Peer helper"),
    "manager": _l("Manager"),
    "researcher": _l("Researcher"),
    "student": _l("Student"),
    "other": _l("Other"),
}

SECTORS = {
    "hospital": _l("Hospital"),
    "primary_care": _l("Primary care (CLSC, CMP)"),
    "medico_social": _l("Medico-social"),
    "community": _l("Community organisation"),
    "private_practice": _l("Private practice"),
    "research": _l("Research"),
}

CONSENT_BASES = {
    "deidentified": _l("Fully de-identified"),
    "consent": _l("Consent obtained"),
    "composite": _l("Composite case"),
}

CASE_STATES = {"open": _l("Open"), "resolved": _l("Resolved")}

LANGUAGES = {"fr": _l("French"), "en": _l("English")}

ROLES = {"member": _l("Member"), "moderator": _l("Moderator"), "admin": _l("Administrator")}

FINDING_KINDS = {
    "PERSON": _l("Name"),
    "DATE": _l("Date"),
    "AGE": _l("Age"),
    "PHONE": _l("Phone number"),
    "EMAIL": _l("Email address"),
    "ID": _l("Identification number"),
    "ADDRESS": _l("Address"),
    "LOCATION": _l("Place"),
    "INSTITUTION": _l("Named institution"),
    "URL": _l("Web address"),
}

FLAG_REASONS = {
    "identifiers": _l("It contains identifiers"),
    "disrespectful": _l("It is disrespectful"),
    "other": _l("Other"),
}

DOCUMENT_KINDS = {
    "case": _l("Case"),
    "reply": _l("Reply"),
    "synthesis": _l("Synthesis"),
    "transcript": _l("Room transcript"),
}

SORTS = {
    "activity": _l("Recent activity"),
    "newest": _l("Newest"),
    "unanswered": _l("Unanswered"),
}


def pairs(labels: dict) -> list[tuple[str, object]]:
    """(value, label) pairs, for templates that build their own <select>."""
    return list(labels.items())


def choices(labels: dict, blank: object | None = None) -> list[SelectChoice]:
    """Choices for a WTForms select, radio or checkbox field (blank: an empty first choice)."""
    options = [SelectChoice("", blank)] if blank is not None else []
    return options + [SelectChoice(value, label) for value, label in labels.items()]


def init_app(app: Flask) -> None:
    """Expose each table as a template filter: {{ member.profession | profession }}."""
    for name, table in {
        "profession": PROFESSIONS,
        "sector": SECTORS,
        "consent_basis": CONSENT_BASES,
        "case_state": CASE_STATES,
        "language_name": LANGUAGES,
        "role": ROLES,
        "finding_kind": FINDING_KINDS,
        "flag_reason": FLAG_REASONS,
    }.items():
        app.jinja_env.filters[name] = lambda value, table=table: table.get(value, value)
