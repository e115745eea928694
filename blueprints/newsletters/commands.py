"""``flask --app app newsletters send``: the batches of the newsletters being sent (cron)."""

from __future__ import annotations

import click

from blueprints.newsletters import bp
from services.newsletters import send_all_pending
from services.schedule import scheduled


@bp.cli.command("send")
@click.option(
    "--max-batches", type=click.IntRange(min=1), default=None, help="Au plus ce nombre de lots."
)
@scheduled("newsletters send")
def send(max_batches: int | None) -> None:
    """Confie à la file d'envoi les lettres d'information en attente, par lots."""
    handled = send_all_pending(max_batches)
    click.echo(f"{handled} envoi(s) de lettre d'information traité(s).")
