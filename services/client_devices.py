"""A client's devices as other areas need them: the licences and the interventions name them."""

from __future__ import annotations

import sqlalchemy as sa

from models import db
from models.device import Device


def device_choices(client_id: int) -> list[tuple[int, str]]:
    """The devices of ``client_id`` as (id, label) pairs for a select."""
    rows = db.session.execute(
        sa.select(Device.id, Device.name, Device.model)
        .where(Device.client_id == client_id)
        .order_by(Device.name, Device.id)
    )
    return [(row.id, f"{row.name} ({row.model})" if row.model else row.name) for row in rows]
