"""Routes of the administration."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from blueprints.admin import bp
from web.access import admin_required
from web.dashboard import panels_for


@bp.get("")
@admin_required
def home():
    """What needs attention today: every area's panel, in order."""
    return render_template("admin/home.html", panels=panels_for("admin", admin=current_user))
