"""Activity log commands: seal what was written outside the app, verify the chain (for cron)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from services.activity_seal import seal_pending, verify_chain
from services.schedule import scheduled

activity = AppGroup("activity", help="Journal d'activité : scellement et vérification.")


@activity.command("seal")
def seal() -> None:
    """Scelle, dans l'ordre, les entrées sans sceau (sans effet la seconde fois).

    L'application scelle chaque entrée quand elle l'écrit ; cette commande sert aux entrées
    écrites avant cela (une fois, après la mise à jour) ou à la main, une fois vérifiées.
    """
    count = seal_pending()
    click.echo(f"{count} entrée(s) scellée(s).")


@activity.command("verify")
@scheduled("activity verify")
def verify() -> None:
    """Recalcule la chaîne ; code de sortie 1 si une entrée a été modifiée ou supprimée."""
    report = verify_chain()
    if report.ok:
        click.echo(f"Chaîne intacte : {report.checked} entrée(s) scellée(s) vérifiée(s).")
        return
    for problem in report.problems:
        click.echo(f"ALTÉRATION : {problem}", err=True)
    raise SystemExit(1)
