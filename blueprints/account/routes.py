"""Routes of the client space."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from blueprints.account import bp
from services.access import client_required


@bp.get("")
@client_required
def dashboard():
    """The client's dashboard: everything that needs a look, at a glance."""
    return render_template("account/dashboard.html", client=current_user.client)
