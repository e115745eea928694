"""``flask --app app contracts ...``: the commands of the contracts area, for cron (daily)."""

from __future__ import annotations

import click

from blueprints.contracts import bp
from blueprints.contracts.renewals import (
    run_renewals,
    send_contract_reminders,
    send_licence_reminders,
)
from models import db
from services.dates import company_today
from services.schedule import scheduled


@bp.cli.command("remind")
@scheduled("contracts remind")
def remind() -> None:
    """Envoie les rappels d'échéance des contrats et des licences, et les avis L215-1."""
    today = company_today()
    contracts = send_contract_reminders(today)
    db.session.commit()
    licences = send_licence_reminders(today)
    db.session.commit()
    click.echo(
        f"{contracts} rappel(s) de contrat et {licences} rappel(s) de licence mis en file d'envoi."
    )


@bp.cli.command("renew")
@scheduled("contracts renew")
def renew() -> None:
    """Reconduit les contrats tacites arrivés à échéance et clôt les autres (pour cron)."""
    renewed, ended = run_renewals(company_today())
    db.session.commit()
    click.echo(f"{renewed} période(s) renouvelée(s), {ended} contrat(s) terminé(s).")
