"""cop: a discussion platform for communities of practice in mental health."""

from __future__ import annotations

from typing import Any

from flask import Flask

from cop import cli, database, errors, i18n, security, templating
from cop.anonymise.views import bp as moderation_bp
from cop.api.views import bp as api_bp
from cop.auth.views import bp as auth_bp
from cop.cases.views import bp as cases_bp
from cop.config import load_config
from cop.extensions import babel, csrf, db, limiter, login_manager, migrate, socketio
from cop.notifications.views import bp as notifications_bp
from cop.rooms import events as room_events  # noqa: F401  (registers the Socket.IO handlers)
from cop.rooms import fanout
from cop.rooms.views import bp as rooms_bp
from cop.search.views import bp as search_bp


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the cop application; `config` overrides settings read from the environment."""
    app = Flask(
        "cop",
        template_folder="../templates",
        static_folder="../static",
        instance_relative_config=True,
    )
    app.config.from_mapping(load_config(app.instance_path, config))
    register_extensions(app)
    register_blueprints(app)
    register_socketio(app)
    register_errors(app)
    register_cli(app)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=str(app.config["MIGRATIONS_DIR"]))
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    i18n.init_app(app)
    security.init_app(app)
    templating.init_app(app)


def register_blueprints(app: Flask) -> None:
    csrf.exempt(api_bp)
    blueprints = (auth_bp, cases_bp, moderation_bp, notifications_bp, rooms_bp, search_bp,
                  i18n.bp, api_bp)
    for blueprint in blueprints:
        app.register_blueprint(blueprint)


def register_socketio(app: Flask) -> None:
    socketio.init_app(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        client_manager=fanout.client_manager(app.config["REDIS_URL"]),
        manage_session=False,
    )
    fanout.install(socketio.server.eio)


def register_errors(app: Flask) -> None:
    errors.init_app(app)


def register_cli(app: Flask) -> None:
    app.cli.add_command(cli.cop_group)
