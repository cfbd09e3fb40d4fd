"""What templates may call besides the context: labels, choices, findings helpers."""

from __future__ import annotations

from flask import Flask, current_app
from flask_babel import get_locale
from flask_login import current_user

from cop import labels
from cop.anonymise import Finding, label_for
from cop.anonymise.services import highlight
from cop.cases.services import can_edit
from cop.models import Post


def has_endpoint(name: str) -> bool:
    """Whether a feature's page is installed (templates link only to pages that exist)."""
    return name in current_app.view_functions


def suggestion(finding: Finding) -> str:
    """The bracketed label that would replace a finding, in the interface's language."""
    return label_for(finding.kind, str(get_locale()))


def current_member_can_edit(post: Post) -> bool:
    return current_user.is_authenticated and can_edit(current_user, post)


def init_app(app: Flask) -> None:
    labels.init_app(app)
    app.jinja_env.globals.update(
        has_endpoint=has_endpoint,
        highlight=highlight,
        suggestion=suggestion,
        can_edit=current_member_can_edit,
        profession_choices=labels.pairs(labels.PROFESSIONS),
        profession_names=lambda: {code: str(name) for code, name in labels.PROFESSIONS.items()},
        sector_choices=labels.pairs(labels.SECTORS),
        sort_choices=labels.pairs(labels.SORTS),
        profession_label=lambda value: labels.PROFESSIONS.get(value, value),
        sector_label=lambda value: labels.SECTORS.get(value, value),
        case_state_label=lambda value: labels.CASE_STATES.get(value, value),
        kind_label=lambda value: labels.DOCUMENT_KINDS.get(value, value),
        document_kind_choices=labels.pairs(labels.DOCUMENT_KINDS),
    )
