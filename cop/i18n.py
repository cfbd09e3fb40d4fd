"""Interface language: the member's choice, else the session's, else the browser's."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Flask, current_app, has_request_context, redirect, request, session
from flask_babel import format_date, format_datetime, format_time, get_locale
from flask_login import current_user
from werkzeug.wrappers import Response

from cop.extensions import db
from cop.navigation import safe_next_url

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    """Pick fr or en for this request (the default outside requests: CLI, services)."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return request.accept_languages.best_match(languages) or current_app.config[
        "BABEL_DEFAULT_LOCALE"
    ]


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


@bp.post("/language/<code>")
def switch_language(code: str) -> Response:
    """Remember the chosen language (on the member when signed in) and go back."""
    if code in current_app.config["LANGUAGES"]:
        session["locale"] = code
        if current_user.is_authenticated:
            current_user.locale = code
            db.session.commit()
    return redirect(safe_next_url(request.form.get("next")))


def localised_datetime(value: datetime | None, style: str = "medium") -> str:
    """Format a timestamp in the interface language and the site's time zone, to the minute."""
    if value is None:
        return ""
    if style == "date":
        return format_date(value, "long")
    if style == "medium":
        return f"{format_date(value, 'medium')} {format_time(value, 'short')}"
    return format_datetime(value, style)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["datetime"] = localised_datetime
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
