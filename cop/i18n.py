"""Interface language: the member's choice, else the session's, else the browser's."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import dates
from flask import Blueprint, Flask, current_app, has_request_context, redirect, request, session
from flask_babel import get_locale, get_timezone
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
    return _format(value, style, str(get_locale()), str(get_timezone()))


@lru_cache(maxsize=8192)
def _format(value: datetime, style: str, locale: str, zone: str) -> str:
    """Babel's formatting is slow (it rebuilds month names each call): format each stamp once."""
    tzinfo = ZoneInfo(zone)
    if value.tzinfo is not None:
        value = value.astimezone(tzinfo)
    if style == "date":
        return dates.format_date(value, "long", locale=locale)
    if style == "medium":
        day = dates.format_date(value, "medium", locale=locale)
        return f"{day} {dates.format_time(value, 'short', tzinfo=tzinfo, locale=locale)}"
    return dates.format_datetime(value, style, tzinfo=tzinfo, locale=locale)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["datetime"] = localised_datetime
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
