"""The company's administration: clients, accounts, activity log."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from blueprints.admin import activity, clients, routes, users  # noqa: E402,F401
