"""``flask --app app billing ...``: the commands of the invoices area, for cron."""

from __future__ import annotations

import click

from blueprints.invoices import bp
from blueprints.invoices.billing import send_due_reminders
from models import db
from services.dates import company_today
from services.schedule import scheduled


@bp.cli.command("remind")
@scheduled("billing remind")
def remind() -> None:
    """Envoie les rappels des factures en retard (une fois par palier ; pour cron)."""
    count = send_due_reminders(company_today())
    db.session.commit()
    click.echo(f"{count} rappel(s) de facture en retard mis en file d'envoi.")
