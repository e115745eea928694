"""``flask --app app check``: what is missing or unsafe before serving in production."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from services.production_check import ERROR, production_findings


@click.command("check")
@with_appcontext
def check() -> None:
    """Vérifie la configuration de production ; code de sortie 1 s'il faut corriger."""
    findings = production_findings(current_app._get_current_object())
    for finding in findings:
        click.echo(f"[{finding.level}] {finding.message}")
    errors = sum(1 for finding in findings if finding.level == ERROR)
    if errors:
        click.echo(f"{errors} point(s) à corriger avant la mise en production.")
        raise SystemExit(1)
    click.echo("Prêt pour la production : rien à corriger.")
