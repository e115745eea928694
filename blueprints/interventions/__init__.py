"""Interventions of the company for its clients: planning, status, report, history."""

from flask import Blueprint

bp = Blueprint("interventions", __name__)

from blueprints.interventions import demo, panels, routes  # noqa: E402,F401
