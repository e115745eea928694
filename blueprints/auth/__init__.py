"""Accounts: login, logout, registration, password reset, two-factor authentication."""

from flask import Blueprint

from web.captcha import captcha_widget
from web.sessions import PENDING_STEP

bp = Blueprint("auth", __name__)
bp.add_app_template_global(captcha_widget, "captcha_widget")

from blueprints.auth import captcha_routes, routes, totp_routes  # noqa: E402,F401
from blueprints.auth.two_factor import pending_step_url  # noqa: E402


@bp.record_once
def _register_pending_step(state) -> None:
    """Tell web/sessions.py where a login waiting for its second factor continues.

    An anonymous visitor half-way through the login goes back to the code step, not to the
    password.
    """
    state.app.extensions[PENDING_STEP] = pending_step_url
