"""Mail commands: deliver the outbox (cron) and queue a test mail."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from models import db
from services.i18n import lazy_gettext as _l
from services.mail import send_mail
from services.mail_delivery import MailConfigError, deliver_pending, purge_expired
from services.schedule import scheduled

mail_cli = AppGroup("mail", help="Courriels : envoi de la file d'attente, courriel de test.")


@mail_cli.command("send")
@click.option("--limit", default=200, show_default=True, help="Nombre maximal de courriels.")
@scheduled("mail send")
def send(limit: int) -> None:
    """Envoie les courriels dus puis supprime les anciens (pour cron).

    Code de sortie non nul si la configuration ou le serveur est inutilisable. Les courriels
    envoyés ou en échec plus vieux que ``MAIL_RETENTION_DAYS`` sont supprimés d'abord, pour
    qu'un serveur en panne ne les garde jamais au-delà.
    """
    purged = purge_expired(current_app.config)
    click.echo(
        f"{purged} courriel(s) de plus de {current_app.config['MAIL_RETENTION_DAYS']} jours "
        "supprimé(s)."
    )
    deliver_and_report(limit=limit)


def deliver_and_report(limit: int, ids=None) -> None:
    """Deliver, print the counts, and fail when the settings or the server are unusable."""
    try:
        report = deliver_pending(limit=limit, ids=ids)
    except MailConfigError as error:
        raise click.ClickException(f"Configuration des courriels invalide : {error}") from error
    click.echo(
        f"{report.sent} courriel(s) envoyé(s), {report.retried} à réessayer, "
        f"{report.failed} en échec définitif."
    )
    if report.stopped_by:
        raise click.ClickException(f"Envoi interrompu : {report.stopped_by}")


@mail_cli.command("test")
@click.argument("email")
@click.option("--now", is_flag=True, help="Envoyer aussitôt au lieu d'attendre le cron.")
def test(email: str, now: bool) -> None:
    """Met en file un courriel de test pour EMAIL (envoyé aussitôt avec --now)."""
    mail = send_mail(
        email.strip(),
        "test",
        _l("Courriel de test de l'Espace Client"),
    )
    db.session.commit()
    click.echo(f"Courriel de test n° {mail.id} mis en file pour {mail.recipient}.")
    if now:
        deliver_and_report(limit=1, ids=[mail.id])
