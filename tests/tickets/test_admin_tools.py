"""Admins' tools around tickets: saved replies, interventions from tickets, dashboard panels, demo."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from commands.demo import load_demo_data
from models import db
from models.data_rights import DataRightsRequest
from models.intervention import Intervention
from models.ticket import SavedReply, Ticket, TicketMessage
from services.data_rights import open_request
from tests.fixtures.accounts import page_text
from tests.fixtures.database import count_rows
from tests.fixtures.devices import add_device, add_intervention, client_id_of
from tests.fixtures.http import csrf_token_from
from tests.fixtures.tickets import add_staff_message, add_ticket, get_ticket


@pytest.fixture
def client_id(app, auth):
    """A client, and an admin logged in with their second factor; the client's id."""
    client_id = client_id_of(app, auth.create_client())
    auth.create_admin(enrolled=True)
    auth.login("admin@example.fr", totp=True)
    return client_id


def token_of(client, path="/admin/tickets/replies/new"):
    return csrf_token_from(client.get(path).get_data(as_text=True))


# ---------------------------------------------------------------- saved replies


def test_saved_replies_are_kept_cleaned_offered_and_deleted(app, client, client_id):
    assert "Aucune réponse enregistrée" in page_text(client.get("/admin/tickets/replies"))
    token = token_of(client)
    response = client.post(
        "/admin/tickets/replies/new",
        data={
            "csrf_token": token,
            "title": "Redémarrage",
            "body": "<p>Redémarrez la box.</p><script>x()</script>",
        },
    )
    assert response.status_code == 303
    with app.app_context():
        reply = db.session.scalars(sa.select(SavedReply)).one()
        assert reply.body == "<p>Redémarrez la box.</p>x()"
    ticket_id = add_ticket(app, client_id)
    html = client.get(f"/admin/tickets/{ticket_id}").get_data(as_text=True)
    assert 'data-insert-into="#reply-body"' in html and ">Redémarrage</option>" in html
    edit = client.post(
        f"/admin/tickets/replies/{reply.id}/edit",
        data={"csrf_token": token, "title": "Redémarrer la box", "body": "Texte"},
    )
    assert edit.status_code == 303
    client.post(f"/admin/tickets/replies/{reply.id}/delete", data={"csrf_token": token})
    assert count_rows(app, SavedReply) == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": ""}, "Donnez un titre à cette réponse."),
        ({"title": "x" * 101}, "100 caractères au plus."),
        ({"body": " "}, "Écrivez le texte de la réponse."),
        ({"body": "<p></p>"}, "Écrivez le texte de la réponse."),
        ({"body": "<p>&nbsp;</p><br>"}, "Écrivez le texte de la réponse."),
        ({"body": "<img src=x onerror=alert(1)>"}, "Écrivez le texte de la réponse."),
    ],
)
def test_a_saved_reply_refused_keeps_the_typing(app, client, client_id, fields, message):
    data = {"csrf_token": token_of(client), "title": "Titre tapé", "body": "Texte tapé", **fields}
    response = client.post("/admin/tickets/replies/new", data=data)
    assert response.status_code == 422
    text = page_text(response)
    assert message in text
    assert ("Titre tapé" in text) or ("title" in fields)
    assert count_rows(app, SavedReply) == 0


def test_saved_replies_are_admin_only(app, client, auth):
    client_id_of(app, auth.create_client())
    auth.login()
    assert client.get("/admin/tickets/replies").status_code == 404


# ---------------------------------------------------------------- interventions


def test_an_admin_turns_a_ticket_into_an_intervention_linked_both_ways(
    app, client, auth, client_id
):
    device_id = add_device(app, client_id, name="PC du salon")
    ticket_id = add_ticket(app, client_id, title="Écran noir", device_id=device_id)
    token = token_of(client, f"/admin/tickets/{ticket_id}")
    response = client.post(f"/admin/tickets/{ticket_id}/intervention", data={"csrf_token": token})
    assert response.status_code == 303
    with app.app_context():
        intervention = db.session.scalars(sa.select(Intervention)).one()
        assert intervention.client_id == client_id
        assert intervention.status == "planned"
        assert [d.id for d in intervention.devices] == [device_id]
        assert "Écran noir" in intervention.description
        intervention_id = intervention.id
    assert response.headers["Location"].endswith(f"/admin/interventions/{intervention_id}/edit")
    assert get_ticket(app, ticket_id).intervention_id == intervention_id
    assert f"Ticket n° {ticket_id} : Écran noir" in page_text(
        client.get(f"/admin/interventions/{intervention_id}")
    )
    auth.logout()
    auth.login()
    ticket_page = page_text(client.get(f"/tickets/{ticket_id}"))
    assert f"/account/interventions/{intervention_id}" in client.get(
        f"/tickets/{ticket_id}"
    ).get_data(as_text=True)
    assert "Intervention du" in ticket_page
    assert f"Ticket n° {ticket_id} : Écran noir" in page_text(
        client.get(f"/account/interventions/{intervention_id}")
    )


def test_a_ticket_links_only_to_an_intervention_of_its_client(app, client, auth, client_id):
    other = client_id_of(app, auth.create_client(email="autre@example.fr"))
    mine = add_intervention(app, client_id)
    theirs = add_intervention(app, other)
    ticket_id = add_ticket(app, client_id)
    token = token_of(client, f"/admin/tickets/{ticket_id}")
    url = f"/admin/tickets/{ticket_id}/intervention/link"
    client.post(url, data={"csrf_token": token, "intervention_id": str(theirs)})
    assert get_ticket(app, ticket_id).intervention_id is None
    client.post(url, data={"csrf_token": token, "intervention_id": str(mine)})
    assert get_ticket(app, ticket_id).intervention_id == mine
    with app.app_context():
        events = db.session.scalars(
            sa.select(TicketMessage.body).where(TicketMessage.kind == "event")
        ).all()
    assert events == [f"intervention:{mine}"]


# ---------------------------------------------------------------- panels


def test_the_admin_home_lists_what_waits_for_an_answer(app, client, client_id):
    ticket_id = add_ticket(app, client_id)
    with app.app_context():
        open_request(client_id, "access", ticket_id=ticket_id)
        db.session.commit()
    text = page_text(client.get("/admin"))
    assert "1 ticket attend une réponse" in text
    assert "1 ticket sans responsable" in text
    assert "Accès à mes données" in text and "jours restants" in text


def test_the_admin_client_page_shows_the_clients_tickets(app, client, client_id):
    add_ticket(app, client_id, title="Écran noir")
    text = page_text(client.get(f"/admin/clients/{client_id}"))
    assert "Écran noir" in text and "Tous ses tickets" in text


def test_the_client_dashboard_counts_open_tickets_and_unread_answers(app, client, auth, client_id):
    ticket_id = add_ticket(app, client_id)
    add_staff_message(app, ticket_id)
    auth.logout()
    auth.login()
    text = page_text(client.get("/account"))
    assert "1 ticket en cours" in text and "1 nouvelle réponse" in text
    assert 'href="/tickets/new"' in client.get("/account").get_data(as_text=True)


# ---------------------------------------------------------------- demo


def test_the_demo_has_tickets_in_each_status_and_a_deletion_request(app):
    with app.app_context():
        load_demo_data()
        statuses = set(db.session.scalars(sa.select(Ticket.status)))
        assert {"new", "in_progress", "waiting_client", "resolved", "closed"} <= statuses
        assert db.session.scalar(sa.select(DataRightsRequest.kind)) == "erasure"
        assert db.session.scalar(
            sa.select(sa.func.count())
            .select_from(TicketMessage)
            .where(TicketMessage.kind == "note")
        )
        assert db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Ticket)
            .where(Ticket.intervention_id.is_not(None))
        )


def test_every_demo_client_has_two_to_four_tickets_and_the_admin_kept_replies(app):
    with app.app_context():
        load_demo_data()
        per_client = db.session.scalars(
            sa.select(sa.func.count()).select_from(Ticket).group_by(Ticket.client_id)
        ).all()
        assert per_client and all(2 <= n <= 4 for n in per_client)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SavedReply)) >= 2
