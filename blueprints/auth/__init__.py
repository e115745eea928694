"""Accounts: login, logout, registration, password reset, two-factor authentication."""

from flask import Blueprint

from web.captcha import captcha_widget

bp = Blueprint("auth", __name__)
bp.add_app_template_global(captcha_widget, "captcha_widget")

from blueprints.auth import captcha_routes, routes, totp_routes  # noqa: E402,F401
