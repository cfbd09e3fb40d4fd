"""Glue between domain errors and WTForms fields."""

from __future__ import annotations

from flask_wtf import FlaskForm

from cop.errors import DomainError


def show_errors(form: FlaskForm, error: DomainError) -> None:
    """Attach a service's field messages to the form (the rest goes to form.form_errors)."""
    detail = error.detail if isinstance(error.detail, dict) else {}
    placed = False
    for name, message in detail.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, str(message)]
            placed = True
    if not placed:
        form.form_errors.append(error.message)
