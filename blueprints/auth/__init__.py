"""Accounts: login, logout, registration, password reset, two-factor authentication."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from blueprints.auth import captcha_routes, routes, totp_routes  # noqa: E402,F401
