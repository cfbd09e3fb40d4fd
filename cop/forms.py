"""The base of cop's HTML forms, and the glue between domain errors and fields."""

from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto

from cop.errors import DomainError


class Form(FlaskForm):
    """An HTML form: reads only submitted form fields, never a JSON body."""

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            if formdata is _Auto:
                return request.form if form.is_submitted() else None
            return formdata


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
