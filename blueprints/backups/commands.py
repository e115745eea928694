"""``flask --app app backup ...``: keygen, create (daily, cron), verify, restore."""

from __future__ import annotations

from pathlib import Path

import click

from blueprints.backups import bp
from services.backup import (
    BackupError,
    create_backup,
    keygen,
    ledger_file,
    read_identity,
    restore_backup,
    run_lock,
    verify_backup,
)
from services.schedule import scheduled

IDENTITY_HELP = "Fichier de la clé privée (sinon BACKUP_IDENTITY)."


@bp.cli.command("keygen")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def keygen_command(path: Path) -> None:
    """Crée une clé privée age dans PATH (lisible par vous seul) et affiche la clé publique."""
    try:
        public = keygen(path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Clé privée écrite dans {path} : gardez-la hors du serveur.")
    click.echo(f"Clé publique, à mettre dans BACKUP_PUBLIC_KEY : {public}")


@bp.cli.command("create")
@scheduled("backup create")
def create_command() -> None:
    """Sauvegarde la base et les fichiers, chiffrés, vers chaque cible (pour cron)."""
    with run_lock() as mine:
        if not mine:
            click.echo("Une sauvegarde est déjà en cours : rien n'est fait.")
            return
        try:
            report = create_backup()
        except BackupError as error:
            raise click.ClickException(str(error)) from error
    rows = sum(report.rows.values())
    click.echo(f"{report.name} : {rows} ligne(s), {report.files} fichier(s), {report.size} octets.")
    for target, error in report.targets.items():
        click.echo(f"  {target} : {'ÉCHEC : ' + error if error else 'copiée'}")
    if not report.ok:
        raise SystemExit(1)


@bp.cli.command("verify")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
@click.option("--identity", type=click.Path(exists=True, dir_okay=False), help=IDENTITY_HELP)
def verify_command(archive: str, identity: str | None) -> None:
    """Déchiffre ARCHIVE, vérifie chaque empreinte et la recharge dans une base d'essai."""
    try:
        manifest = verify_backup(archive, read_identity(identity))
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    rows = sum(part["rows"] for part in manifest["tables"].values())
    click.echo(
        f"Archive intacte du {manifest['created_at']} (révision {manifest['revision']}) : "
        f"{rows} ligne(s), {len(manifest['files'])} fichier(s), rechargée sans erreur."
    )


@bp.cli.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
@click.option("--identity", type=click.Path(exists=True, dir_okay=False), help=IDENTITY_HELP)
@click.option(
    "--ledger",
    "ledgers",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Registre des effacements à rejouer (sinon ERASURE_LEDGER_FILE).",
)
def restore_command(archive: str, identity: str | None, ledgers: tuple[Path, ...]) -> None:
    """Restaure ARCHIVE dans la base (migrée, vide) et le dossier des fichiers (vide), puis
    efface de nouveau les clients effacés depuis."""
    try:
        report = restore_backup(archive, read_identity(identity), list(ledgers) or [ledger_file()])
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Restaurée : {sum(report.rows.values())} ligne(s), {report.files} fichier(s) ; "
        f"{len(report.erased_again)} client(s) effacé(s) de nouveau d'après le registre."
    )
