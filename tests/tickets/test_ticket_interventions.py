"""Interventions from an admin's ticket page: one per ticket, dated in Paris time."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa

from models import db
from models.intervention import Intervention
from tests.fixtures.accounts import page_text
from tests.fixtures.devices import add_intervention, client_id_of
from tests.fixtures.http import csrf_token_from
from tests.fixtures.tickets import add_ticket


@pytest.fixture
def client_id(app, auth):
    """A client, and an admin logged in with their second factor; the client's id."""
    client_id = client_id_of(app, auth.create_client())
    auth.create_admin(enrolled=True)
    auth.login("admin@example.fr", totp=True)
    return client_id


@pytest.mark.parametrize(
    ("starts_at", "shown"),
    [
        (datetime(2026, 3, 10, 23, 30), "11 mars 2026, 00:30"),  # winter: UTC+1
        (datetime(2026, 7, 1, 7, 0), "1 juil. 2026, 09:00"),  # summer: UTC+2
    ],
)
def test_interventions_to_link_are_dated_in_paris_time(app, client, client_id, starts_at, shown):
    add_intervention(app, client_id, starts_at=starts_at, description="Remplacement du disque")
    ticket_id = add_ticket(app, client_id)
    text = page_text(client.get(f"/admin/tickets/{ticket_id}"))
    assert f"{shown} — Remplacement du disque" in text


def test_a_second_click_on_create_an_intervention_plans_no_second_visit(app, client, client_id):
    ticket_id = add_ticket(app, client_id, title="Écran noir")
    page = client.get(f"/admin/tickets/{ticket_id}").get_data(as_text=True)
    url = f"/admin/tickets/{ticket_id}/intervention"
    first = client.post(url, data={"csrf_token": csrf_token_from(page)})
    second = client.post(url, data={"csrf_token": csrf_token_from(page)})
    with app.app_context():
        (intervention_id,) = db.session.scalars(sa.select(Intervention.id)).all()
    assert first.headers["Location"] == second.headers["Location"]
    assert second.headers["Location"] == f"/admin/interventions/{intervention_id}/edit"
    assert "Ce ticket a déjà son intervention." in page_text(client.get(second.headers["Location"]))
    after = client.get(f"/admin/tickets/{ticket_id}").get_data(as_text=True)
    assert f'action="{url}"' not in after  # the button is gone once the ticket has one
