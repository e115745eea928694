"""Devices (périphériques) and software licences of clients, with their encrypted identifiers."""

from flask import Blueprint

from blueprints.devices.rules import masked

bp = Blueprint("devices", __name__)
# The masked form of an encrypted value, for lists and detail pages.
bp.add_app_template_filter(masked, "masked_secret")

from blueprints.devices import panels, routes, search  # noqa: E402,F401
