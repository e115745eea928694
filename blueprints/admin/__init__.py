"""The company's administration: clients, accounts, activity log."""

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

bp = Blueprint("admin", __name__)

from blueprints.admin import activity, clients, routes, users  # noqa: E402,F401
from web.dashboard import register_panel  # noqa: E402


@bp.record_once
def _plug_into_the_app(state: BlueprintSetupState) -> None:
    """On the app that registers the area: the panels of the admin home."""
    register_panel(
        state.app, "admin", "clients", "admin/_panel_clients.html", clients.clients_panel, 90
    )
    register_panel(
        state.app,
        "admin",
        "activity_seal",
        "admin/_panel_activity_seal.html",
        activity.seal_panel,
        0,
    )
