"""Devices (périphériques) and software licences of clients, with their encrypted identifiers."""

from flask import Blueprint

bp = Blueprint("devices", __name__)

from blueprints.devices import panels, routes, search  # noqa: E402,F401
