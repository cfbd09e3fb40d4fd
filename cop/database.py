"""Engine settings that matter for confidentiality."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine


def _sqlite_secure_delete(dbapi_connection, connection_record) -> None:
    """Zero deleted and overwritten content in SQLite pages, so a redacted text leaves the file."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA secure_delete = ON")
        cursor.close()


def init_app(app: Flask) -> None:
    if not event.contains(Engine, "connect", _sqlite_secure_delete):
        event.listen(Engine, "connect", _sqlite_secure_delete)
