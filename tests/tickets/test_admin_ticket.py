"""An admin's page of a ticket: the conversation with internal notes, answers, status, assignee."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from models import db
from models.activity import ActivityLog
from models.user import User
from tests.fixtures.accounts import page_text, sent_mails
from tests.fixtures.devices import client_id_of
from tests.fixtures.http import HTMX, csrf_token_from
from tests.fixtures.tickets import add_ticket, get_ticket, messages_of


@pytest.fixture
def ticket_id(app, auth):
    """A client's ticket, and an admin logged in with their second factor."""
    client_id = client_id_of(app, auth.create_client())
    ticket_id = add_ticket(app, client_id)
    admin_id = auth.create_admin(enrolled=True)
    with app.app_context():
        db.session.get(User, admin_id).display_name = "Laurent"
        db.session.commit()
    auth.login("admin@example.fr", totp=True)
    return ticket_id


def form_of(client, ticket_id: int) -> dict:
    html = client.get(f"/admin/tickets/{ticket_id}").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', html).group(1)
    return {"csrf_token": csrf_token_from(html), "idempotency_key": key}


def actions(app, name):
    with app.app_context():
        return db.session.scalars(sa.select(ActivityLog).where(ActivityLog.action == name)).all()


def test_opening_a_ticket_is_logged_as_a_look_at_the_client(app, client, ticket_id):
    response = client.get(f"/admin/tickets/{ticket_id}")
    assert response.status_code == 200
    assert "L'imprimante n'imprime plus" in page_text(response)
    views = actions(app, "admin.client_viewed")
    assert views and "tickets" in (views[-1].detail or "")
    assert get_ticket(app, ticket_id).staff_seen_at is not None


def test_an_unknown_ticket_is_404(client, ticket_id):
    assert client.get(f"/admin/tickets/{ticket_id + 1000}").status_code == 404


def test_an_answer_waits_for_the_client_and_mails_them(app, client, ticket_id):
    data = form_of(client, ticket_id) | {"body": "Redémarrez-la.", "status_after": "waiting_client"}
    response = client.post(f"/admin/tickets/{ticket_id}/reply", data=data)
    assert response.status_code == 303
    ticket = get_ticket(app, ticket_id)
    assert ticket.status == "waiting_client"
    assert messages_of(app, ticket_id)[1:] == [
        ("message", True, "Redémarrez-la."),
        ("event", True, "status:new:waiting_client"),
    ]
    assert len(sent_mails(app, "ticket_answered", to="client@example.fr")) == 1
    text = page_text(client.get(f"/admin/tickets/{ticket_id}"))
    assert "Statut : Nouveau → En attente de votre réponse" in text


def test_an_internal_note_is_for_staff_only_and_mails_nobody(app, client, auth, ticket_id):
    data = form_of(client, ticket_id) | {"body": "Client à rappeler", "internal": "y"}
    response = client.post(f"/admin/tickets/{ticket_id}/reply", data=data, headers=HTMX)
    assert response.status_code == 200
    assert "Note interne" in page_text(response)
    assert get_ticket(app, ticket_id).status == "new"
    assert sent_mails(app, "ticket_answered") == []
    auth.logout()
    auth.login()
    assert "Client à rappeler" not in client.get(f"/tickets/{ticket_id}").get_data(as_text=True)


def test_the_status_form_writes_an_event_and_refuses_the_same_status(app, client, ticket_id):
    token = form_of(client, ticket_id)["csrf_token"]
    response = client.post(
        f"/admin/tickets/{ticket_id}/status", data={"csrf_token": token, "status": "resolved"}
    )
    assert response.status_code == 303
    assert get_ticket(app, ticket_id).status == "resolved"
    assert get_ticket(app, ticket_id).closed_at is not None
    again = client.post(
        f"/admin/tickets/{ticket_id}/status", data={"csrf_token": token, "status": "resolved"}
    )
    assert again.status_code == 422
    assert "Le ticket a déjà ce statut." in page_text(again)
    bad = client.post(
        f"/admin/tickets/{ticket_id}/status", data={"csrf_token": token, "status": "perdu"}
    )
    assert bad.status_code == 422
    assert "Choisissez un statut dans la liste." in page_text(bad)
    assert len(actions(app, "ticket.status_changed")) == 1


def test_assigning_a_ticket_names_the_admin_in_the_conversation(app, client, ticket_id):
    token = form_of(client, ticket_id)["csrf_token"]
    with app.app_context():
        admin_id = db.session.scalar(sa.select(User.id).where(User.email == "admin@example.fr"))
    response = client.post(
        f"/admin/tickets/{ticket_id}/assignee",
        data={"csrf_token": token, "assignee_id": str(admin_id)},
    )
    assert response.status_code == 303
    assert get_ticket(app, ticket_id).assignee_id == admin_id
    assert "Ticket confié à Laurent" in page_text(client.get(f"/admin/tickets/{ticket_id}"))
    refused = client.post(
        f"/admin/tickets/{ticket_id}/assignee", data={"csrf_token": token, "assignee_id": "999"}
    )
    assert refused.status_code == 422
    assert get_ticket(app, ticket_id).assignee_id == admin_id


def test_once_assigned_the_clients_messages_are_mailed_to_that_admin(app, client, auth, ticket_id):
    token = form_of(client, ticket_id)["csrf_token"]
    with app.app_context():
        admin_id = db.session.scalar(sa.select(User.id).where(User.email == "admin@example.fr"))
    client.post(
        f"/admin/tickets/{ticket_id}/assignee",
        data={"csrf_token": token, "assignee_id": str(admin_id)},
    )
    auth.logout()
    auth.login()
    html = client.get(f"/tickets/{ticket_id}").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', html).group(1)
    client.post(
        f"/tickets/{ticket_id}/reply",
        data={"csrf_token": csrf_token_from(html), "idempotency_key": key, "body": "Merci"},
    )
    assert len(sent_mails(app, "ticket_client_wrote", to="admin@example.fr")) == 1
