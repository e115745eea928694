"""Interventions of the company for its clients: planning, status, report, history."""

from flask import Blueprint

from blueprints.interventions.rules import allowed_statuses, format_duration, status_action

bp = Blueprint("interventions", __name__)
bp.add_app_template_filter(format_duration, "duration")  # minutes as h:mm
bp.add_app_template_global(allowed_statuses)
bp.add_app_template_global(status_action)

from blueprints.interventions import demo, panels, routes  # noqa: E402,F401
