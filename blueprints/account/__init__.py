"""The client space: dashboard, profile, devices, licences and interventions."""

from flask import Blueprint

from services.client_fields import format_phone

bp = Blueprint("account", __name__)
bp.add_app_template_filter(format_phone, "phone")  # a stored phone number as displayed

from blueprints.account import invitation, profile, routes  # noqa: E402,F401
