"""Interventions of the company for its clients: planning, status, report, history."""

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from blueprints.interventions.rules import (
    allowed_statuses,
    format_duration,
    intervention_ends,
    status_action,
)

bp = Blueprint("interventions", __name__)
bp.add_app_template_filter(format_duration, "duration")  # minutes as h:mm
bp.add_app_template_global(allowed_statuses)
bp.add_app_template_global(status_action)

from blueprints.interventions import demo, panels, routes  # noqa: E402,F401
from commands.demo import register_demo_step  # noqa: E402
from services.retention import register_end_source  # noqa: E402


@bp.record_once
def _plug_into_the_app(state: BlueprintSetupState) -> None:
    """On the app that registers the area: its panels, its end dates for the retention
    clock, its demo data."""
    panels.register_panels(state.app)
    register_end_source(state.app, "interventions", intervention_ends)
    register_demo_step(state.app, demo.add_demo_interventions)
