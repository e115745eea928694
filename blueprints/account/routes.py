"""Routes of the client space."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from blueprints.account import bp
from web.access import client_required
from web.dashboard import panels_for


@bp.get("")
@client_required
def dashboard():
    """The client's dashboard: every area's panel, in order, at a glance."""
    client = current_user.client
    return render_template(
        "account/dashboard.html", client=client, panels=panels_for("client", client=client)
    )
