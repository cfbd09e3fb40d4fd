"""Flask extensions, created unbound and bound to an app with init_app in the factory."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from cop.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
babel = Babel()
socketio = SocketIO()


def configured_limit(setting: str) -> Callable[[], str]:
    """A rate limit read from the app's config when a request comes, e.g. LOGIN_RATE_LIMIT."""
    return lambda: current_app.config[setting]
