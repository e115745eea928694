"""Routes of the administration."""

from __future__ import annotations

from flask import render_template

from blueprints.admin import bp
from services.access import admin_required


@bp.get("")
@admin_required
def home():
    """What needs attention today."""
    return render_template("admin/home.html")
