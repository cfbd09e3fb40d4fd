"""The schema comes from migrations, and migrations agree with the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from cop.extensions import db
from tests.conftest import make_app


def _migrated_app(tmp_path, postgres_schema):
    return make_app(tmp_path, postgres_schema)


def test_upgrade_from_empty_creates_every_table(tmp_path, postgres_schema):
    app = _migrated_app(tmp_path, postgres_schema)
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert set(db.metadata.tables) <= tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_models_and_migrations_agree(tmp_path, postgres_schema):
    app = _migrated_app(tmp_path, postgres_schema)
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            differences = compare_metadata(context, db.metadata)
        downgrade(revision="base")
        db.engine.dispose()
    assert differences == [], f"run `flask db migrate`: models differ: {differences}"
