"""Routes of the restriction of a client's processing (GDPR art. 18): admins place and lift it.

The rule (what stops, what goes on) is :mod:`services.restriction`.
"""

from __future__ import annotations

from flask import flash, g, url_for
from flask_login import current_user

from blueprints.gdpr import bp
from blueprints.gdpr.forms import RestrictionForm
from models import db
from models.client import Client
from services.i18n import gettext as _
from services.restriction import lift_restriction, restrict_processing
from web.access import admin_required, log_admin_view
from web.forms import render_form, require_one_button_form
from web.htmx import htmx_redirect


@bp.route("/admin/clients/<int:client_id>/restriction", methods=["GET", "POST"])
@admin_required
def restrict_client(client_id: int):
    """Restrict the processing of a client's data, for a stated reason; the client is told."""
    log_admin_view(client_id, "restriction")
    client = db.get_or_404(Client, client_id)
    form = RestrictionForm()
    if form.validate_on_submit():
        if client.restricted_at is None:
            restrict_processing(client, form.reason.data, current_user)
            db.session.commit()
            flash(_("Traitement limité ; le client en est informé par e-mail."), "success")
        else:
            flash(_("Le traitement de ce client est déjà limité."), "info")
        return htmx_redirect(url_for("admin.client", client_id=client_id))
    return render_form("gdpr/restriction.html", form, client=client)


@bp.post("/admin/clients/<int:client_id>/restriction/lift")
@admin_required
def lift_client_restriction(client_id: int):
    """Lift a restriction; the client is told."""
    client = db.get_or_404(Client, client_id)
    require_one_button_form()
    if client.restricted_at is not None:
        lift_restriction(client, current_user)
        db.session.commit()
        flash(_("Limitation levée ; le client en est informé par e-mail."), "success")
    return htmx_redirect(url_for("admin.client", client_id=client_id))


@bp.app_context_processor
def _restriction_banner() -> dict:
    def viewed_client_restriction():
        """When the admin page's client (``log_admin_view``) is restricted: since when."""
        client_id = g.get("viewed_client_id")
        if not client_id or not current_user.is_authenticated or not current_user.is_admin:
            return None
        client = db.session.get(Client, client_id)
        return client.restricted_at if client is not None else None

    return {"viewed_client_restriction": viewed_client_restriction}
