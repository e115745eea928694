"""Activity log commands: seal the new entries, verify the chain (both fit for cron)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from services.activity_seal import seal_pending, verify_chain

activity = AppGroup("activity", help="Journal d'activité : scellement et vérification.")


@activity.command("seal")
@click.option(
    "--min-age",
    type=click.IntRange(min=0),
    default=None,
    help="Âge minimum (secondes) des entrées à sceller ; par défaut ACTIVITY_SEAL_MIN_AGE_SECONDS.",
)
def seal(min_age: int | None) -> None:
    """Seal, in order, the entries not sealed yet (idempotent)."""
    count = seal_pending(min_age)
    click.echo(f"{count} entrée(s) scellée(s).")


@activity.command("verify")
def verify() -> None:
    """Recompute the chain; exit with status 1 if an entry was changed or removed."""
    report = verify_chain()
    if report.ok:
        click.echo(f"Chaîne intacte : {report.checked} entrée(s) scellée(s) vérifiée(s).")
        return
    for problem in report.problems:
        click.echo(f"ALTÉRATION : {problem}", err=True)
    raise SystemExit(1)
