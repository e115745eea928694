"""Flask extensions, created here and bound to the app in the factory."""

from flask import request
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect


def client_ip() -> str:
    """The visitor's address; X-Forwarded-For counts only through the configured ProxyFix."""
    return request.remote_addr or "0.0.0.0"  # noqa: S104 - a key for counting, not a bind  # nosec B104


login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
migrate = Migrate()
