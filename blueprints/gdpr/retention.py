"""The retention clock as admins and clients see it: the admins' list of clients whose data
are due for deletion soon, the panel on an admin's client page, the phrase of the client's
privacy page. The clock itself is :mod:`services.retention`."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template, request
from flask_babel import lazy_gettext as _l

from blueprints.gdpr import bp
from models import db
from models.client import Client
from services.dates import company_today
from services.retention import LAST_ACTIVITY, RetentionClock, clocks_running_out, retention_clock
from web import dashboard
from web.access import admin_required

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
    return render_template(
        "gdpr/admin_retention.html",
        clocks=clocks,
        clients=clients,
        within=within,
        within_choices=WITHIN_CHOICES,
        today=today,
        source_label=source_label,
    )


def admin_client_panel(client=None, **_) -> dict | None:
    """How long a client's data are kept, on the admin client page (one query)."""
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
    }


def register_panels(app) -> None:
    dashboard.register_panel(
        app, "admin_client", "retention", "gdpr/_panel_admin_client.html", admin_client_panel, 90
    )
