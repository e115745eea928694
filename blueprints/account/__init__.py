"""The client space: dashboard, profile, devices, licences and interventions."""

from flask import Blueprint

bp = Blueprint("account", __name__)

from blueprints.account import invitation, profile, routes  # noqa: E402,F401
