"""``flask --app app clients ...``: upkeep of the client files."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from models import db
from models.client import Client
from models.client_search_index import refresh_search_index

clients = AppGroup("clients", help="Fiches clients.")

BATCH = 500


@clients.command("reindex")
def reindex() -> None:
    """Reconstruit l'index de recherche et les clés de tri des clients (après un import, une mise à jour)."""
    last_id, done = 0, 0
    while True:
        batch = db.session.scalars(
            sa.select(Client).where(Client.id > last_id).order_by(Client.id).limit(BATCH)
        ).all()
        if not batch:
            break
        for client in batch:
            refresh_search_index(client)
        db.session.commit()
        last_id, done = batch[-1].id, done + len(batch)
    click.echo(f"{done} fiches clients réindexées.")
