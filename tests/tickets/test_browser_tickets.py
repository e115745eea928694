"""Tickets in a real browser: the deletion subject explains itself, a reply arrives in place."""

import pytest
import sqlalchemy as sa

from models import db
from models.data_rights import DataRightsRequest
from models.ticket import Ticket, TicketMessage
from tests.fixtures.database import count_rows
from tests.fixtures.devices import client_id_of
from tests.fixtures.users import PASSWORD

pytestmark = pytest.mark.browser


def log_in_as_client(page):
    page.goto("/auth/login")
    page.get_by_label("Adresse e-mail").fill("client@example.fr")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").last.click()
    page.wait_for_url("**/account")


def test_client_asks_for_deletion_through_the_subject_field(app, page, auth):
    client_id_of(app, auth.create_client())
    log_in_as_client(page)
    page.goto("/tickets/new")
    notice = page.locator("#subject-erasure")
    assert notice.is_hidden()
    page.get_by_label("Sujet").select_option("erasure")
    notice.wait_for(state="visible")
    assert "téléchargez ou imprimez vos documents" in notice.inner_text()
    assert page.locator("#subject-personal-data").is_hidden()
    page.get_by_label("Titre").fill("Supprimer mon compte")
    page.get_by_label("Description").fill("Merci de supprimer mon espace.")
    page.get_by_role("button", name="Envoyer").click()
    # Not yet confirmed: the form comes back with its message and what was typed.
    page.get_by_text("Cochez cette case").wait_for()
    assert page.get_by_label("Titre").input_value() == "Supprimer mon compte"
    page.locator("#erasure_understood").check()
    page.get_by_role("button", name="Envoyer").click()
    page.get_by_text("Nous vous répondrons au plus tard le").wait_for()
    assert count_rows(app, DataRightsRequest) == 1


def test_a_reply_is_added_in_place(app, page, auth):
    client_id = client_id_of(app, auth.create_client())
    from tests.fixtures.tickets import add_ticket

    ticket_id = add_ticket(app, client_id)
    log_in_as_client(page)
    page.goto(f"/tickets/{ticket_id}")
    page.locator("#reply-body").fill("Toujours en panne ce matin.")
    page.get_by_role("button", name="Envoyer").click()
    page.locator(".ticket-message", has_text="Toujours en panne ce matin.").wait_for()
    assert page.url.endswith(f"/tickets/{ticket_id}")
    assert page.locator("#reply-body").input_value() == ""
    with app.app_context():
        bodies = db.session.scalars(
            sa.select(TicketMessage.body).where(TicketMessage.ticket_id == ticket_id)
        ).all()
        assert bodies[-1] == "Toujours en panne ce matin."
        assert db.session.get(Ticket, ticket_id).last_client_message_at is not None
