"""Interventions of the company for its clients: planning, status, report, history."""

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

bp = Blueprint("interventions", __name__)

from blueprints.interventions import demo, panels, routes  # noqa: E402,F401
from commands.demo import register_demo_step  # noqa: E402


@bp.record_once
def _plug_into_the_app(state: BlueprintSetupState) -> None:
    """On the app that registers the area: its panels and its demo data."""
    panels.register_panels(state.app)
    register_demo_step(state.app, demo.add_demo_interventions)
