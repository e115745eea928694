"""``flask --app app crypto rotate``: re-encrypt every encrypted column under the first key.

Encrypted columns are found by name: every column whose name ends with ``_encrypted`` holds a
token of ``services.crypto``. To change keys: put the new key first in ``FIELD_ENCRYPTION_KEYS``,
run ``crypto rotate``, check its report, then remove the old key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from models import db
from services.crypto import InvalidToken, rotate

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
            db.session.execute(table.update().where(pk == row_id).values({column.name: new_token}))
            rotated += 1
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


@click.group("crypto")
def crypto() -> None:
    """Chiffrement des champs : rotation des clés."""


@crypto.command("rotate")
@with_appcontext
@click.option("--batch-size", default=BATCH_SIZE, show_default=True, type=click.IntRange(1))
def rotate_command(batch_size: int) -> None:
    """Rechiffre numéros de série, clés de licence et secrets TOTP sous la première clé."""
    from services.activity import log_activity

    report = rotate_all(batch_size)
    for name, count in report.rotated.items():
        click.echo(f"{name} : {count} valeur(s) rechiffrée(s)")
    log_activity(
        "crypto.rotated",
        detail={"rotated": sum(report.rotated.values()), "failed": report.total_failed},
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
