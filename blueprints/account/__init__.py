"""The client space: dashboard, profile, devices, licences and interventions."""

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from services.client_fields import format_phone

bp = Blueprint("account", __name__)
bp.add_app_template_filter(format_phone, "phone")  # a stored phone number as displayed

from blueprints.account import demo, invitation, profile, routes  # noqa: E402,F401
from commands.demo import register_demo_step  # noqa: E402
from web.dashboard import register_panel  # noqa: E402


@bp.record_once
def _plug_into_the_app(state: BlueprintSetupState) -> None:
    """On the app that registers the area: the profile panel and the profile's demo history."""
    register_panel(
        state.app, "client", "profile", "account/_panel_profile.html", profile.profile_panel, 10
    )
    register_demo_step(state.app, demo.demo_profile_history)
