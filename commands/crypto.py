"""``flask --app app crypto rotate``: bring every stored value under the first key of each setting.

- ``FIELD_ENCRYPTION_KEYS``: every column whose name ends with ``_encrypted`` holds a token of
  ``services.crypto``; each is re-encrypted under the first key.
- ``BLIND_INDEX_KEY``: the serial-number search index is recomputed from the decrypted values.
- ``ACTIVITY_SEAL_KEY``: the activity log's chain is checked under the configured keys, then
  sealed again under the first.
- ``RECOVERY_CODE_KEY``: recovery codes are stored as keyed hashes of codes never kept in clear,
  so nothing can recompute them: codes made under a previous key work while that key stays in
  the list; new codes use the first.

To change a key: put the new key first (the old one after it), run ``crypto rotate``, check its
report, then remove the old key (for recovery codes: once the accounts have new codes).
``crypto legacy-keys`` prints the keys an installation used before each had its own setting.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from blueprints.devices.rules import serial_index
from models import db
from models.device import Device
from services.activity_seal import ChainBroken, reseal_chain
from services.crypto import HASH_KEYS, HEX_PREFIX, InvalidToken, decrypt, legacy_key, rotate

ENCRYPTED_SUFFIX = "_encrypted"
BATCH_SIZE = 500


@dataclass
class RotationReport:
    """What a rotation did, per ``table.column``."""

    rotated: dict[str, int] = field(default_factory=dict)
    failed: dict[str, list] = field(default_factory=dict)

    @property
    def total_failed(self) -> int:
        return sum(len(ids) for ids in self.failed.values())


def encrypted_columns() -> list[sa.Column]:
    """Every encrypted column of the schema (named ``*_encrypted``), in table order."""
    return [
        column
        for table in db.metadata.sorted_tables
        for column in table.columns
        if column.name.endswith(ENCRYPTED_SUFFIX)
    ]


def rotate_column(column: sa.Column, batch_size: int = BATCH_SIZE) -> tuple[int, list]:
    """Re-encrypt ``column`` in batches of ``batch_size`` rows, one commit per batch.

    Returns how many values were rotated and the primary keys of the values no configured key
    could decrypt (left untouched).
    """
    table = column.table
    (pk,) = table.primary_key.columns
    rotated, failed, last = 0, [], None
    while True:
        query = sa.select(pk, column).where(column.is_not(None)).order_by(pk).limit(batch_size)
        if last is not None:
            query = query.where(pk > last)
        rows = db.session.execute(query).all()
        if not rows:
            return rotated, failed
        for row_id, token in rows:
            try:
                new_token = rotate(token)
            except InvalidToken:
                failed.append(row_id)
                continue
            # Only if unchanged since read: a value written meanwhile (a mail body blanked
            # once sent, a serial number edited) must not come back from its old token.
            result = db.session.execute(
                table.update().where(pk == row_id, column == token).values({column.name: new_token})
            )
            rotated += result.rowcount
        db.session.commit()
        last = rows[-1][0]


def rotate_all(batch_size: int = BATCH_SIZE) -> RotationReport:
    """Re-encrypt every encrypted column under the first key of ``FIELD_ENCRYPTION_KEYS``."""
    report = RotationReport()
    for column in encrypted_columns():
        name = f"{column.table.name}.{column.name}"
        report.rotated[name], failed = rotate_column(column, batch_size)
        if failed:
            report.failed[name] = failed
    return report


def reindex_serials(batch_size: int = BATCH_SIZE) -> int:
    """Recompute the blind index of every serial number under the first ``BLIND_INDEX_KEY``.

    Returns how many indexes changed. Runs after the re-encryption: the values decrypt under the
    first field key.
    """
    changed, last = 0, 0
    while True:
        devices = db.session.scalars(
            sa.select(Device)
            .where(Device.serial_number_encrypted.is_not(None), Device.id > last)
            .order_by(Device.id)
            .limit(batch_size)
        ).all()
        if not devices:
            return changed
        for device in devices:
            index = serial_index(decrypt(device.serial_number_encrypted))
            if device.serial_number_index != index:
                device.serial_number_index = index
                changed += 1
        db.session.commit()
        last = devices[-1].id


@click.group("crypto")
def crypto() -> None:
    """Clés : rotation de chaque clé, et clés d'une installation plus ancienne."""


@crypto.command("rotate")
@with_appcontext
@click.option("--batch-size", default=BATCH_SIZE, show_default=True, type=click.IntRange(1))
def rotate_command(batch_size: int) -> None:
    """Remet sous la première clé de leur réglage les champs chiffrés (numéros de série, clés de
    licence, secrets TOTP, corps des courriels en attente), l'index de recherche des numéros de
    série et le scellement du journal ; dit ce qu'il faut pour les codes de secours."""
    from services.activity import log_activity

    report = rotate_all(batch_size)
    for name, count in report.rotated.items():
        click.echo(f"{name} : {count} valeur(s) rechiffrée(s)")
    if not report.failed:  # an index is recomputed from values every key can read
        click.echo(
            f"BLIND_INDEX_KEY : {reindex_serials(batch_size)} index de recherche recalculé(s)"
        )
    try:
        resealed = reseal_chain()
    except ChainBroken as broken:
        raise click.ClickException(
            f"ACTIVITY_SEAL_KEY : le sceau de l'entrée {broken} ne correspond à aucune clé "
            "configurée ; chaîne non rescellée (voyez « flask --app app activity verify »)."
        ) from None
    click.echo(f"ACTIVITY_SEAL_KEY : {resealed} entrée(s) du journal rescellée(s)")
    click.echo(
        "RECOVERY_CODE_KEY : les codes de récupération ne peuvent être recalculés (jamais "
        "conservés en clair) ; ceux d'une ancienne clé restent valables tant qu'elle suit la "
        "nouvelle dans la liste."
    )
    log_activity(
        "crypto.rotated",
        detail={
            "rotated": sum(report.rotated.values()),
            "failed": report.total_failed,
            "resealed": resealed,
        },
    )
    db.session.commit()
    if report.failed:
        for name, ids in report.failed.items():
            click.echo(f"{name} : {len(ids)} valeur(s) illisible(s), identifiants {ids[:20]}")
        raise click.ClickException(
            "Certaines valeurs n'ont pu être déchiffrées avec aucune clé : gardez les anciennes "
            "clés tant que ce n'est pas résolu."
        )
    click.echo("Rotation terminée : l'ancienne clé peut être retirée de FIELD_ENCRYPTION_KEYS.")


@crypto.command("legacy-keys")
@with_appcontext
def legacy_keys_command() -> None:
    """Affiche les clés que cette installation utilisait avant d'avoir une clé par usage.

    Elles étaient tirées de ``SECRET_KEY`` : ces lignes, mises dans ``.env`` (ou leurs valeurs
    dans ``instance/config.py``), gardent valables les codes de secours, la recherche par numéro
    de série et le scellement du journal déjà faits, quel que soit ``SECRET_KEY`` ensuite.
    """
    for name, label in HASH_KEYS.items():
        click.echo(f"FLASK_{name}={HEX_PREFIX}{legacy_key(label).hex()}")
