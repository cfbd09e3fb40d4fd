"""Alembic environment for cop, driven by Flask-Migrate."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

from cop.models.base import UTCDateTime

config = context.config
if config.config_file_name and not config.attributes.get("skip_logging"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

db = current_app.extensions["migrate"].db
config.set_main_option(
    "sqlalchemy.url", db.engine.url.render_as_string(hide_password=False).replace("%", "%%")
)
target_metadata = db.metadata


def render_item(type_, obj, autogen_context):
    """Write cop's UTC timestamp type as a plain DateTime, so migrations never import cop."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _options() -> dict:
    options = dict(current_app.extensions["migrate"].configure_args)
    options.setdefault("render_as_batch", True)
    options.setdefault("compare_type", True)
    options["render_item"] = render_item
    return options


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"),
                      target_metadata=target_metadata, literal_binds=True, **_options())
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    def skip_empty_revision(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    options = _options()
    options.setdefault("process_revision_directives", skip_empty_revision)
    with db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, **options)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
