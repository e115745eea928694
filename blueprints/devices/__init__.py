"""Devices (périphériques) and software licences of clients, with their encrypted identifiers."""

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from blueprints.devices.rules import masked

bp = Blueprint("devices", __name__)
# The masked form of an encrypted value, for lists and detail pages.
bp.add_app_template_filter(masked, "masked_secret")

from blueprints.devices import demo, panels, routes, rules  # noqa: E402,F401
from commands.demo import register_demo_step  # noqa: E402
from services.client_search import register_search_extension  # noqa: E402


@bp.record_once
def _plug_into_the_app(state: BlueprintSetupState) -> None:
    """On the app that registers the area: its panels, the search by serial, its demo data."""
    panels.register_panels(state.app)
    register_search_extension(state.app, rules.find_client_ids_by_serial)
    register_demo_step(state.app, demo.add_demo_devices)
