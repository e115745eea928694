"""The retention clock as admins and clients see it: the admins' list of clients whose data
are due for deletion soon, the panel on an admin's client page, the phrase of the client's
privacy page. The clock itself is :mod:`services.retention`."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, render_template, request, url_for
from flask_login import current_user

from blueprints.gdpr import bp
from blueprints.gdpr.forms import LegalHoldForm
from models import db, utcnow
from models.client import Client
from models.retention import LegalHold
from services.activity import log_activity
from services.dates import company_today
from services.i18n import gettext as _
from services.i18n import lazy_gettext as _l
from services.purge import active_hold
from services.retention import LAST_ACTIVITY, RetentionClock, clocks_running_out, retention_clock
from web import dashboard
from web.access import admin_required, log_admin_view
from web.forms import EmptyForm, render_form, require_one_button_form
from web.htmx import htmx_redirect

# What started a clock, as the pages say it.
SOURCE_LABELS = {
    "contracts": _l("fin du dernier contrat ou abonnement"),
    "interventions": _l("fin de la dernière intervention"),
    LAST_ACTIVITY: _l("dernière activité (connexion ou création de l'espace)"),
}
WITHIN_CHOICES = (30, 90, 180, 365)


def source_label(clock: RetentionClock) -> str:
    return str(SOURCE_LABELS.get(clock.source, clock.source))


@bp.get("/admin/gdpr/retention")
@admin_required
def admin_retention():
    """Clients whose retention period ends within the chosen days (or has ended), soonest first."""
    within = request.args.get("within", type=int)
    if within not in WITHIN_CHOICES:
        within = WITHIN_CHOICES[0]
    today = company_today()
    clocks = clocks_running_out(db.session, today, within)
    ids = [clock.client_id for clock in clocks]
    clients = (
        {c.id: c for c in db.session.scalars(sa.select(Client).where(Client.id.in_(ids)))}
        if ids
        else {}
    )
    held = (
        set(
            db.session.scalars(
                sa.select(LegalHold.client_id).where(
                    LegalHold.client_id.in_(ids), LegalHold.lifted_at.is_(None)
                )
            )
        )
        if ids
        else set()
    )
    return render_template(
        "gdpr/admin_retention.html",
        clocks=clocks,
        clients=clients,
        held=held,
        within=within,
        within_choices=WITHIN_CHOICES,
        today=today,
        source_label=source_label,
    )


def admin_client_panel(client=None, **_) -> dict | None:
    """How long a client's data are kept and whether a legal hold keeps them (two queries)."""
    if client is None:
        return None
    clock = retention_clock(db.session, client.id)
    if clock is None:
        return None
    return {
        "client": client,
        "clock": clock,
        "source": source_label(clock),
        "today": company_today(),
        "hold": active_hold(client.id),
        "lift_form": EmptyForm(),
    }


def register_panels(app) -> None:
    dashboard.register_panel(
        app, "admin_client", "retention", "gdpr/_panel_admin_client.html", admin_client_panel, 90
    )


@bp.route("/admin/clients/<int:client_id>/legal-hold", methods=["GET", "POST"])
@admin_required
def place_legal_hold(client_id: int):
    """Keep a client's data past their retention period, for a stated reason."""
    log_admin_view(client_id, "retention")
    client = db.get_or_404(Client, client_id)
    form = LegalHoldForm()
    if form.validate_on_submit():
        if active_hold(client_id) is None:
            hold = LegalHold(client_id=client_id, reason=form.reason.data, placed_by=current_user)
            db.session.add(hold)
            db.session.flush()
            log_activity("gdpr.legal_hold_placed", target=hold, detail={"client": client_id})
            db.session.commit()
            flash(_("Conservation légale enregistrée : la purge laissera ce client."), "success")
        else:
            flash(_("Une conservation légale est déjà en place pour ce client."), "info")
        return htmx_redirect(url_for("admin.client", client_id=client_id))
    return render_form("gdpr/legal_hold.html", form, client=client, hold=active_hold(client_id))


@bp.post("/admin/clients/<int:client_id>/legal-hold/lift")
@admin_required
def lift_legal_hold(client_id: int):
    """End a legal hold: the client's data follow their retention period again."""
    db.get_or_404(Client, client_id)
    require_one_button_form()
    hold = active_hold(client_id)
    if hold is not None:
        hold.lifted_at = utcnow()
        hold.lifted_by_id = current_user.id
        log_activity("gdpr.legal_hold_lifted", target=hold, detail={"client": client_id})
        db.session.commit()
        flash(_("Conservation légale levée."), "success")
    return htmx_redirect(url_for("admin.client", client_id=client_id))
