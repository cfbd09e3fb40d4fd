"""Configuration: the environment is read here and nowhere else."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from dotenv import load_dotenv

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = REPO_ROOT / "instance"


class ConfigError(RuntimeError):
    """The environment asks for something cop cannot run with."""


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() not in {"0", "false", "no", "off"}


def _secret_key(instance_path: Path, production: bool) -> str:
    """Return SECRET_KEY from the environment, else one generated once into instance/."""
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    if production:
        raise ConfigError("COP_PRODUCTION is set: SECRET_KEY must come from the environment.")
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def load_config(instance_path: str | Path, overrides: dict[str, Any] | None = None) -> dict:
    """Build the settings dictionary from the environment (and `.env`), then apply overrides."""
    load_dotenv(REPO_ROOT / ".env", override=False)
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    overrides = dict(overrides or {})
    redis_url = overrides.pop("REDIS_URL", os.environ.get("COP_REDIS_URL") or None)
    production = _flag("COP_PRODUCTION", False)

    settings: dict[str, Any] = {
        "SECRET_KEY": overrides.pop("SECRET_KEY", None) or _secret_key(instance, production),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("COP_DATABASE_URL")
        or f"sqlite:///{instance / 'cop.db'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SEARCH_DIR": os.environ.get("COP_SEARCH_DIR") or str(instance / "search"),
        "REDIS_URL": redis_url,
        "DEMO_DATA": _flag("COP_DEMO", True),
        "PRODUCTION": production,
        "TRUSTED_PROXIES": int(os.environ.get("COP_TRUSTED_PROXIES", "0")),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_STRATEGY": "moving-window",
        "LOGIN_RATE_LIMIT": "10 per minute;50 per hour",
        "SIGNUP_RATE_LIMIT": "5 per minute;20 per hour",
        "API_RATE_LIMIT": "300 per minute",
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "MAX_TEXT_LENGTH": 20_000,
        "PASSWORD_HASH_METHOD": "scrypt",
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_DEFAULT_TIMEZONE": "America/Montreal",
        "BABEL_TRANSLATION_DIRECTORIES": str(REPO_ROOT / "cop" / "translations"),
        "LANGUAGES": ("fr", "en"),
        "CASES_PER_PAGE": 20,
        "FLAGS_TO_HIDE": int(os.environ.get("COP_FLAGS_TO_HIDE", "3")),
        "MIGRATIONS_DIR": str(REPO_ROOT / "migrations"),
        "SOCKETIO_ASYNC_MODE": "threading",
    }
    settings.update(overrides)
    return settings
