"""Activity log commands: seal what was written outside the app, verify the chain (for cron)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from services.activity_seal import seal_pending, verify_chain

activity = AppGroup("activity", help="Journal d'activité : scellement et vérification.")


@activity.command("seal")
def seal() -> None:
    """Seal, in id order, the entries without a seal (idempotent).

    The app seals each entry as it writes it; this is for entries written before that existed
    (once, after upgrading) or by hand, after checking that they are genuine.
    """
    count = seal_pending()
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
