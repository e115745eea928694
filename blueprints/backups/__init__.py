"""Backups: the ``backup`` commands (keygen, create, verify, restore) and the admin home's
panel on the last backup of each target. The mechanism is ``services.backup``."""

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

bp = Blueprint("backups", __name__, cli_group="backup")

from blueprints.backups import commands, panels  # noqa: E402,F401
from web.dashboard import register_panel  # noqa: E402


@bp.record_once
def _plug_into_the_app(state: BlueprintSetupState) -> None:
    """On the app that registers the area: the backups panel of the admin home."""
    register_panel(state.app, "admin", "backups", "backups/_panel.html", panels.backups_panel, 5)
