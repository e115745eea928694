"""The client's tickets: the incident form, the list, the conversation, closing and reopening."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from models import db
from models.activity import ActivityLog
from models.data_rights import DataRightsRequest
from models.ticket import Ticket, TicketMessage
from tests.fixtures.accounts import page_text, sent_mails
from tests.fixtures.database import count_rows
from tests.fixtures.devices import add_device, client_id_of
from tests.fixtures.http import HTMX, csrf_token_from
from tests.fixtures.tickets import add_staff_message, add_ticket, get_ticket, messages_of


@pytest.fixture
def me(app, auth):
    """A logged-in client; returns their client id."""
    client_id = client_id_of(app, auth.create_client())
    auth.login()
    return client_id


@pytest.fixture
def other(app, auth):
    """Another client (not logged in); returns their client id."""
    return client_id_of(app, auth.create_client(email="autre@example.fr"))


def new_ticket_form(client, **fields) -> dict:
    page = client.get("/tickets/new")
    html = page.get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', html).group(1)
    data = {
        "csrf_token": csrf_token_from(html),
        "idempotency_key": key,
        "subject": "hardware",
        "title": "Écran noir au démarrage",
        "device_id": "0",
        "priority": "normal",
        "body": "Depuis ce matin l'écran reste noir.",
    }
    data.update(fields)
    return data


def actions(app, name):
    with app.app_context():
        return db.session.scalars(sa.select(ActivityLog).where(ActivityLog.action == name)).all()


# ---------------------------------------------------------------- access


@pytest.mark.parametrize("path", ["/tickets", "/tickets/new", "/tickets/1"])
def test_anonymous_visitor_is_sent_to_the_login_page(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_ticket_of_another_client_is_404_everywhere(app, client, me, other):
    ticket_id = add_ticket(app, other)
    token = csrf_token_from(client.get("/tickets/new").get_data(as_text=True))
    assert client.get(f"/tickets/{ticket_id}").status_code == 404
    for action in ("reply", "close", "reopen"):
        response = client.post(
            f"/tickets/{ticket_id}/{action}", data={"csrf_token": token, "body": "Coucou"}
        )
        assert response.status_code == 404, action
    assert messages_of(app, ticket_id) == [("message", False, "<p>Elle clignote en orange.</p>")]


def test_an_admin_page_of_a_ticket_is_404_for_a_client(app, client, me):
    ticket_id = add_ticket(app, me)
    assert client.get(f"/admin/tickets/{ticket_id}").status_code == 404


# ---------------------------------------------------------------- the list


def test_empty_list_invites_to_open_a_ticket(client, me):
    text = page_text(client.get("/tickets"))
    assert "Aucun ticket en cours" in text
    assert "Nouveau ticket" in text


def test_list_shows_open_tickets_first_and_closed_ones_on_their_tab(app, client, me):
    add_ticket(app, me, title="Imprimante en panne")
    closed = add_ticket(app, me, title="Ancienne panne")
    with app.app_context():
        db.session.get(Ticket, closed).status = "closed"
        db.session.commit()
    open_text = page_text(client.get("/tickets"))
    assert "Imprimante en panne" in open_text and "Ancienne panne" not in open_text
    closed_text = page_text(client.get("/tickets?state=closed"))
    assert "Ancienne panne" in closed_text and "Imprimante en panne" not in closed_text
    assert "Ancienne panne" in page_text(client.get("/tickets?state=all"))
    assert "Ancienne panne" not in page_text(client.get("/tickets?state=nimportequoi"))


def test_an_old_open_ticket_stays_on_the_open_tab_behind_newer_closed_ones(app, client, me):
    """The open list stops walking at the oldest open ticket: never before it."""
    from datetime import timedelta

    from models import utcnow

    ages = {"Vieille demande ouverte": 700, "Fermée l'an dernier": 300, "Fermée hier": 1}
    ids = {title: add_ticket(app, me, title=title) for title in ages}
    add_ticket(app, me, title="Demande du jour")
    with app.app_context():
        for title, days in ages.items():
            ticket = db.session.get(Ticket, ids[title])
            ticket.last_message_at = utcnow() - timedelta(days=days)
            if title.startswith("Fermée"):
                ticket.status = "closed"
        db.session.commit()
    open_text = page_text(client.get("/tickets"))
    assert "Vieille demande ouverte" in open_text and "Demande du jour" in open_text
    assert "Fermée" not in open_text
    assert open_text.index("Demande du jour") < open_text.index("Vieille demande ouverte")


@pytest.mark.settings(PAGE_SIZE=2)
def test_list_pages_on_with_a_fragment(app, client, me):
    for number in range(5):
        add_ticket(app, me, title=f"Ticket {number}")
    first = client.get("/tickets").get_data(as_text=True)
    assert "Ticket 4" in first and "Ticket 3" in first and "Ticket 2" not in first
    more = re.search(r'hx-get="(/tickets\?[^"]+)"', first).group(1).replace("&amp;", "&")
    fragment = client.get(more, headers=HTMX)
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and "Ticket 2" in html and "Ticket 1" in html
    assert "HX-Request" in fragment.headers.get("Vary", "")


@pytest.mark.parametrize("before", ["nimportequoi", "99999999999999999999-1", "-1", "1" * 300])
def test_unreadable_cursor_shows_the_first_page(app, client, me, before):
    add_ticket(app, me, title="Seul ticket")
    response = client.get(f"/tickets?before={before}")
    assert response.status_code == 200
    assert "Seul ticket" in page_text(response)


def test_an_answer_not_yet_read_is_marked_until_the_client_opens_the_ticket(app, client, auth, me):
    auth.create_admin()
    ticket_id = add_ticket(app, me)
    add_staff_message(app, ticket_id)
    assert "Nouvelle réponse" in page_text(client.get("/tickets"))
    client.get(f"/tickets/{ticket_id}")
    assert "Nouvelle réponse" not in page_text(client.get("/tickets"))


# ---------------------------------------------------------------- a new ticket


def test_new_ticket_form_lists_every_subject_and_the_devices(app, client, me):
    device_id = add_device(app, me, name="PC du salon")
    html = page_text(client.get(f"/tickets/new?device={device_id}"))
    for label in (
        "Panne matériel",
        "Problème logiciel",
        "Internet / réseau",
        "Messagerie",
        "Sauvegarde",
        "Facturation",
        "Contrat / abonnement",
        "Demande d'intervention sur site",
        "Suppression de mon espace client",
        "Autre demande sur mes données personnelles",
    ):
        assert label in html, label
    assert re.search(rf'<option selected value="{device_id}">PC du salon', html)


def test_a_device_of_another_client_is_not_offered(app, client, me, other):
    foreign = add_device(app, other, name="PC du voisin", serial="X-1")
    html = client.get(f"/tickets/new?device={foreign}").get_data(as_text=True)
    assert "PC du voisin" not in html
    response = client.post("/tickets/new", data=new_ticket_form(client, device_id=str(foreign)))
    assert response.status_code == 422
    assert count_rows(app, Ticket) == 0


def test_sending_a_ticket_stores_it_mails_both_sides_and_logs_it(app, client, me):
    device_id = add_device(app, me, name="PC du salon")
    data = new_ticket_form(client, device_id=str(device_id), priority="high")
    response = client.post("/tickets/new", data=data)
    assert response.status_code == 303
    with app.app_context():
        ticket = db.session.scalars(sa.select(Ticket)).one()
        assert response.headers["Location"].endswith(f"/tickets/{ticket.id}")
        assert (ticket.client_id, ticket.device_id, ticket.priority) == (me, device_id, "high")
        assert ticket.status == "new" and ticket.last_client_message_at is not None
    assert messages_of(app, ticket.id) == [
        ("message", False, "Depuis ce matin l'écran reste noir.")
    ]
    assert len(sent_mails(app, "ticket_received", to="client@example.fr")) == 1
    assert len(sent_mails(app, "ticket_new_staff", to=app.config["COMPANY_EMAIL"])) == 1
    assert len(actions(app, "ticket.opened")) == 1
    page = client.get(response.headers["Location"])
    assert "Votre ticket n° " in page_text(page) and "Écran noir au démarrage" in page_text(page)


def test_sending_the_same_form_twice_makes_one_ticket(app, client, me):
    data = new_ticket_form(client)
    first = client.post("/tickets/new", data=data)
    second = client.post("/tickets/new", data=data)
    assert first.headers["Location"] == second.headers["Location"]
    assert count_rows(app, Ticket) == 1
    assert count_rows(app, TicketMessage) == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"subject": ""}, "Choisissez un sujet dans la liste."),
        ({"subject": "inconnu"}, "Choisissez un sujet dans la liste."),
        ({"title": "  "}, "Résumez votre demande en quelques mots."),
        ({"title": "x" * 121}, "120 caractères au plus."),
        ({"body": ""}, "Décrivez votre demande."),
        ({"body": "x" * 20_001}, "20000 caractères au plus."),
        ({"priority": "extreme"}, "Choisissez une priorité dans la liste."),
        ({"title": "Panne\x00"}, "caractères invisibles"),
        ({"device_id": "abc"}, ""),
    ],
)
def test_bad_input_is_said_in_the_page_and_the_typing_is_kept(app, client, me, fields, message):
    data = new_ticket_form(client, **fields)
    data.setdefault("body", "Texte tapé")
    if "body" not in fields:
        data["body"] = "Un texte tapé avec soin"
    response = client.post("/tickets/new", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in page_text(response)
    if "body" not in fields:
        assert "Un texte tapé avec soin" in html
    assert count_rows(app, Ticket) == 0


def test_the_description_is_cleaned_before_it_is_stored(app, client, me):
    body = (
        '<p onclick="steal()">Bonjour <script>alert(1)</script><strong>urgent</strong></p>'
        '<a href="javascript:alert(1)">x</a><a href="data:text/html,hi">y</a>'
        '<a href="https://exemple.fr">doc</a><iframe src="https://evil"></iframe>'
        '<span style="color:red">rouge</span>'
    )
    client.post("/tickets/new", data=new_ticket_form(client, body=body))
    with app.app_context():
        stored = db.session.scalar(sa.select(TicketMessage.body))
    for forbidden in ("script", "onclick", "javascript:", "data:", "iframe", "style"):
        assert forbidden not in stored, forbidden
    assert "<strong>urgent</strong>" in stored
    assert 'rel="nofollow noopener noreferrer"' in stored


def test_the_conversation_is_shown_inside_an_element_htmx_ignores(app, client, me):
    ticket_id = add_ticket(app, me, body='<p>Voir <a href="https://exemple.fr">ce lien</a></p>')
    html = client.get(f"/tickets/{ticket_id}").get_data(as_text=True)
    assert re.search(r"<div[^>]*hx-disable[^>]*>\s*<p>Voir <a", html)


# ---------------------------------------------------------------- the deletion subject


def test_the_deletion_subject_explains_what_goes_before_sending(client, me):
    text = page_text(client.get("/tickets/new?subject=erasure"))
    assert "téléchargez ou imprimez vos documents et vos factures" in text
    assert "nous ne pourrons pas vous en fournir de copie" in text


def test_the_deletion_subject_needs_the_client_to_say_they_understood(app, client, me):
    response = client.post("/tickets/new", data=new_ticket_form(client, subject="erasure"))
    assert response.status_code == 422
    assert "Cochez cette case" in page_text(response)
    assert count_rows(app, Ticket) == 0
    assert count_rows(app, DataRightsRequest) == 0


def test_the_deletion_subject_opens_an_erasure_request_with_its_legal_deadline(app, client, me):
    data = new_ticket_form(client, subject="erasure", erasure_understood="y")
    response = client.post("/tickets/new", data=data)
    assert response.status_code == 303
    with app.app_context():
        request = db.session.scalars(sa.select(DataRightsRequest)).one()
        ticket = db.session.scalars(sa.select(Ticket)).one()
        assert (request.client_id, request.kind, request.status) == (me, "erasure", "received")
        assert request.ticket_id == ticket.id
        received = request.received_at.date()
        months = (request.deadline.year - received.year) * 12 + request.deadline.month
        assert months - received.month == 1
    assert len(actions(app, "data_rights.request_received")) == 1
    text = page_text(client.get(response.headers["Location"]))
    assert "Nous vous répondrons au plus tard le" in text
    (receipt,) = sent_mails(app, "ticket_received", to="client@example.fr")
    assert receipt.template == "ticket_received"


def test_sending_the_deletion_request_twice_keeps_one_open_request(app, client, me):
    for _ in range(2):
        data = new_ticket_form(client, subject="erasure", erasure_understood="y")
        client.post("/tickets/new", data=data)
    assert count_rows(app, Ticket) == 2
    assert count_rows(app, DataRightsRequest) == 1


@pytest.mark.parametrize(
    "kind", ["access", "rectification", "portability", "objection", "restriction"]
)
def test_the_other_personal_data_subject_opens_a_request_of_the_chosen_kind(app, client, me, kind):
    data = new_ticket_form(client, subject="personal_data", data_rights_kind=kind)
    assert client.post("/tickets/new", data=data).status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(DataRightsRequest.kind)) == kind


@pytest.mark.parametrize("kind", ["", "erasure", "hack"])
def test_the_other_personal_data_subject_needs_a_right_from_the_list(app, client, me, kind):
    data = new_ticket_form(client, subject="personal_data", data_rights_kind=kind)
    response = client.post("/tickets/new", data=data)
    assert response.status_code == 422
    assert "Choisissez le droit que vous exercez." in page_text(response)
    assert count_rows(app, DataRightsRequest) == 0


# ---------------------------------------------------------------- the conversation


def reply_form(client, ticket_id: int, headers=None) -> dict:
    html = client.get(f"/tickets/{ticket_id}").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', html).group(1)
    return {"csrf_token": csrf_token_from(html), "idempotency_key": key}


def test_a_reply_by_htmx_answers_the_conversation_with_an_empty_form(app, client, me):
    ticket_id = add_ticket(app, me)
    data = reply_form(client, ticket_id) | {"body": "Toujours en panne."}
    response = client.post(f"/tickets/{ticket_id}/reply", data=data, headers=HTMX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="ticket-conversation"')
    assert "Toujours en panne." in html
    assert data["idempotency_key"] not in html  # a new key for the next message
    assert [m[2] for m in messages_of(app, ticket_id)][-1] == "Toujours en panne."
    assert len(sent_mails(app, "ticket_client_wrote")) == 1


def test_a_reply_sent_twice_is_stored_once(app, client, me):
    ticket_id = add_ticket(app, me)
    data = reply_form(client, ticket_id) | {"body": "Une seule fois."}
    for _ in range(2):
        assert client.post(f"/tickets/{ticket_id}/reply", data=data).status_code == 303
    assert [m[2] for m in messages_of(app, ticket_id)].count("Une seule fois.") == 1


def test_an_empty_reply_comes_back_with_its_error(app, client, me):
    ticket_id = add_ticket(app, me)
    data = reply_form(client, ticket_id) | {"body": "   "}
    response = client.post(f"/tickets/{ticket_id}/reply", data=data, headers=HTMX)
    assert response.status_code == 422
    assert "Écrivez votre message." in page_text(response)
    assert len(messages_of(app, ticket_id)) == 1


def test_a_client_reply_puts_a_ticket_waiting_for_them_back_in_progress(app, client, auth, me):
    auth.create_admin()
    ticket_id = add_ticket(app, me)
    with app.app_context():
        db.session.get(Ticket, ticket_id).status = "waiting_client"
        db.session.commit()
    data = reply_form(client, ticket_id) | {"body": "Voici la photo."}
    client.post(f"/tickets/{ticket_id}/reply", data=data)
    assert get_ticket(app, ticket_id).status == "in_progress"
    assert messages_of(app, ticket_id)[-1] == ("event", False, "status:waiting_client:in_progress")


def test_closing_then_reopening_a_ticket(app, client, me):
    ticket_id = add_ticket(app, me)
    token = csrf_token_from(client.get(f"/tickets/{ticket_id}").get_data(as_text=True))
    assert client.post(f"/tickets/{ticket_id}/close", data={"csrf_token": token}).status_code == 303
    assert get_ticket(app, ticket_id).status == "closed"
    page = page_text(client.get(f"/tickets/{ticket_id}"))
    assert "Ce ticket est fermé : rouvrez-le pour y répondre." in page
    assert "Statut : Nouveau → Fermé" in page
    data = {"csrf_token": token, "idempotency_key": "k" * 20, "body": "Encore ?"}
    assert client.post(f"/tickets/{ticket_id}/reply", data=data).status_code == 422
    assert (
        client.post(f"/tickets/{ticket_id}/reopen", data={"csrf_token": token}).status_code == 303
    )
    assert get_ticket(app, ticket_id).status == "in_progress"
    assert len(actions(app, "ticket.status_changed")) == 2


def test_closing_a_closed_ticket_says_why_and_changes_nothing(app, client, me):
    ticket_id = add_ticket(app, me)
    token = csrf_token_from(client.get(f"/tickets/{ticket_id}").get_data(as_text=True))
    client.post(f"/tickets/{ticket_id}/close", data={"csrf_token": token})
    response = client.post(
        f"/tickets/{ticket_id}/close", data={"csrf_token": token}, follow_redirects=True
    )
    assert "Le ticket a déjà ce statut." in page_text(response)
    assert len(messages_of(app, ticket_id)) == 2


def test_a_client_never_sees_internal_notes(app, client, auth, me):
    auth.create_admin()
    ticket_id = add_ticket(app, me)
    with app.app_context():
        from blueprints.tickets.rules import add_message
        from models.user import User

        admin = db.session.scalar(sa.select(User).where(User.email == "admin@example.fr"))
        ticket = db.session.get(Ticket, ticket_id)
        add_message(ticket, author=admin, body="Client difficile", from_staff=True, kind="note")
        db.session.commit()
    assert "Client difficile" not in client.get(f"/tickets/{ticket_id}").get_data(as_text=True)


def test_a_device_page_offers_a_ticket_about_that_device(app, client, me):
    device_id = add_device(app, me, name="PC du salon")
    html = client.get(f"/account/devices/{device_id}").get_data(as_text=True)
    assert f'href="/tickets/new?device={device_id}"' in html


def test_the_ticket_of_a_request_shows_its_deadline_to_the_client(app, client, me):
    data = new_ticket_form(client, subject="personal_data", data_rights_kind="access")
    location = client.post("/tickets/new", data=data).headers["Location"]
    with app.app_context():
        request = db.session.scalars(sa.select(DataRightsRequest)).one()
    text = page_text(client.get(location))
    assert "Accès à mes données — Reçue" in text
    assert "réponse au plus tard le" in text
    assert str(request.deadline.year) in text


def test_a_client_without_devices_sends_a_ticket_without_the_device_field(app, client, me):
    data = new_ticket_form(client)
    del data["device_id"]
    assert "device_id" not in client.get("/tickets/new").get_data(as_text=True)
    assert client.post("/tickets/new", data=data).status_code == 303
    assert count_rows(app, Ticket) == 1
