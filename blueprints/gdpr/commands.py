"""``flask --app app gdpr ...``: the commands of the data-rights area, for cron (daily)."""

from __future__ import annotations

import click
from flask import current_app

from blueprints.gdpr import bp
from models import db, utcnow
from services.activity import log_activity
from services.dates import company_today
from services.purge import (
    ERASE,
    NOTICE,
    count_invoice_archive_due,
    plan_purge,
    purge_activity_log,
    purge_invoice_archive,
    run_purge,
    truncate_activity_ips,
)
from services.schedule import scheduled

ACTIONS = {
    NOTICE: "avis de suppression",
    ERASE: "effacement",
    "wait": "en attente",
    "blocked": "conservé",
}


@bp.cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Dit qui serait prévenu ou effacé, sans rien faire.")
@scheduled("gdpr purge")
def purge(dry_run: bool) -> None:
    """Applique la durée de conservation : avis, effacements, journal d'activité (pour cron)."""
    app = current_app._get_current_object()
    today = company_today()
    decisions = plan_purge(app, today) if dry_run else run_purge(app, today)
    for decision in decisions:
        clock = decision.clock
        line = (
            f"client {clock.client_id} : {ACTIONS[decision.action]}"
            f" (fin de conservation {clock.ends_on.isoformat()}, départ {clock.source}"
            f" {clock.started_on.isoformat()})"
        )
        if decision.reasons:
            line += " — " + " ; ".join(decision.reasons)
        if decision.error:
            line += f" — ÉCHEC : {decision.error}"
        click.echo(line)
    if dry_run:
        archived = count_invoice_archive_due(app, today)
        click.echo(f"{archived} facture(s) archivée(s) au-delà de la durée légale à détruire.")
        click.echo(f"{len(decisions)} client(s) examiné(s) ; rien n'a été modifié (--dry-run).")
        return
    notices = sum(1 for d in decisions if d.action == NOTICE and d.done)
    erased = sum(1 for d in decisions if d.action == ERASE and d.done)
    failures = sum(1 for d in decisions if d.error)
    log_activity(
        "gdpr.purge_run", detail={"notices": notices, "erased": erased, "failures": failures}
    )
    db.session.commit()
    entries = purge_activity_log(app)
    addresses = truncate_activity_ips(app)
    archived = purge_invoice_archive(app, today)
    if archived:
        log_activity("gdpr.invoice_archive_purged", detail={"invoices": archived})
        db.session.commit()
    click.echo(
        f"{notices} avis envoyé(s), {erased} client(s) effacé(s), "
        f"{entries} entrée(s) du journal d'activité supprimée(s), "
        f"{addresses} adresse(s) IP tronquée(s), "
        f"{archived} facture(s) archivée(s) détruite(s)."
    )
    if failures:
        raise SystemExit(1)


@bp.cli.command("export")
@click.argument("email")
@click.option(
    "--output",
    type=click.Path(dir_okay=False),
    help="Fichier ZIP à écrire (par défaut : ./export-<id>.zip).",
)
def export(email: str, output: str | None) -> None:
    """Écrit l'export des données du client EMAIL (droit d'accès, portabilité) dans un ZIP."""
    from flask import render_template

    from services.accounts import find_account
    from services.client_documents import zip_stream
    from services.export import export_documents, export_tables
    from services.private_files import private_file

    user = find_account(email)
    client = user.client if user is not None else None
    if client is None:
        raise click.ClickException(f"Aucun client n'a l'adresse {email}.")
    path = output or f"export-{client.id}.zip"
    tables = export_tables(client)
    summary = render_template(
        "gdpr/export_summary.html", client=client, tables=tables, now=utcnow()
    )
    documents = export_documents(client, tables, summary)
    target = private_file(path)
    with target.open("wb") as archive:
        for piece in zip_stream(documents):
            archive.write(piece)
    log_activity("gdpr.export_downloaded", target=client, detail={"by": "command"})
    db.session.commit()
    click.echo(f"Export du client {client.id} écrit dans {target} ({len(documents)} fichier(s)).")


@bp.cli.command("birthdays")
@scheduled("gdpr birthdays")
def birthdays() -> None:
    """Souhaite leur anniversaire aux clients qui l'acceptent (pour cron, chaque jour)."""
    from services.birthdays import send_birthday_wishes

    if not current_app.config["BIRTHDAY_MAILS"]:
        click.echo("Souhaits d'anniversaire désactivés (BIRTHDAY_MAILS).")
        return
    click.echo(
        f"{send_birthday_wishes(company_today())} souhait(s) d'anniversaire mis en file d'envoi."
    )
