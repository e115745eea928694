"""Data-rights requests: the admins' list and checklist, statuses, the client's privacy page."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from models import db
from models.data_rights import DataRightsRequest
from services.data_rights import open_request
from tests.fixtures.accounts import page_text, sent_mails
from tests.fixtures.devices import client_id_of
from tests.fixtures.http import HTMX, csrf_token_from
from tests.fixtures.tickets import add_attachment, add_ticket


def make_request(app, client_id, kind="erasure", with_ticket=True) -> int:
    ticket_id = add_ticket(app, client_id, subject="erasure") if with_ticket else None
    with app.app_context():
        request = open_request(client_id, kind, ticket_id=ticket_id)
        db.session.commit()
        return request.id


@pytest.fixture
def admin(app, auth):
    """A client, and an admin logged in with their second factor; the client's id."""
    client_id = client_id_of(app, auth.create_client(last_name="Durand"))
    auth.create_admin(enrolled=True)
    auth.login("admin@example.fr", totp=True)
    return client_id


def test_admins_see_open_requests_with_their_deadline(app, client, admin):
    make_request(app, admin)
    text = page_text(client.get("/admin/gdpr"))
    assert "Effacement (suppression de l'espace client)" in text and "Durand" in text
    assert re.search(r"\d+ jours restants", text)


def test_the_request_page_lists_what_to_settle_and_logs_the_look(app, client, admin):
    request_id = make_request(app, admin)
    ticket_id = add_ticket(app, admin, title="Autre souci")
    add_attachment(app, ticket_id)
    text = page_text(client.get(f"/admin/gdpr/requests/{request_id}"))
    assert "Tickets encore ouverts : 2" in text
    assert "Pièces jointes de tickets (à proposer au téléchargement) : 1" in text
    with app.app_context():
        from models.activity import ActivityLog

        detail = db.session.scalar(
            sa.select(ActivityLog.detail).where(ActivityLog.action == "admin.client_viewed")
        )
    assert detail == "section=privacy"


def test_closing_a_request_dates_it_mails_the_client_and_logs_it(app, client, admin):
    request_id = make_request(app, admin, kind="access")
    page = client.get(f"/admin/gdpr/requests/{request_id}").get_data(as_text=True)
    token = csrf_token_from(page)
    response = client.post(
        f"/admin/gdpr/requests/{request_id}", data={"csrf_token": token, "status": "done"}
    )
    assert response.status_code == 303
    with app.app_context():
        request = db.session.get(DataRightsRequest, request_id)
        assert request.status == "done" and request.closed_at is not None
    assert len(sent_mails(app, "data_rights_closed", to="client@example.fr")) == 1
    again = client.post(
        f"/admin/gdpr/requests/{request_id}", data={"csrf_token": token, "status": "refused"}
    )
    assert again.status_code == 422
    with app.app_context():
        assert db.session.get(DataRightsRequest, request_id).status == "done"


@pytest.mark.parametrize("status", ["", "perdu", "received"])
def test_a_status_outside_the_allowed_moves_is_refused_with_a_message(app, client, admin, status):
    request_id = make_request(app, admin)
    token = csrf_token_from(client.get(f"/admin/gdpr/requests/{request_id}").get_data(as_text=True))
    response = client.post(
        f"/admin/gdpr/requests/{request_id}", data={"csrf_token": token, "status": status}
    )
    assert response.status_code == 422
    assert 'class="error"' in response.get_data(as_text=True)


def test_the_request_pages_are_for_admins_only(app, client, auth):
    client_id = client_id_of(app, auth.create_client())
    request_id = make_request(app, client_id)
    auth.login()
    assert client.get("/admin/gdpr").status_code == 404
    assert client.get(f"/admin/gdpr/requests/{request_id}").status_code == 404


# ---------------------------------------------------------------- the client's page


def test_the_client_sees_their_requests_and_who_opened_their_file(app, client, auth):
    me = client_id_of(app, auth.create_client())
    other = client_id_of(app, auth.create_client(email="autre@example.fr"))
    make_request(app, me, kind="portability", with_ticket=False)
    make_request(app, other, kind="objection", with_ticket=False)
    admin_id = auth.create_admin(enrolled=True)
    with app.app_context():
        from models.user import User

        db.session.get(User, admin_id).display_name = "Laurent"
        db.session.commit()
    auth.login("admin@example.fr", totp=True)
    client.get(f"/admin/clients/{me}/devices")
    client.get(f"/admin/clients/{other}")
    auth.logout()
    auth.login()
    text = page_text(client.get("/account/privacy"))
    assert "Portabilité" in text and "Opposition" not in text
    assert "Laurent : vos équipements" in text
    assert text.count("Laurent") == 1  # the look at the other client is not shown


@pytest.mark.settings(PAGE_SIZE=5)
def test_the_looks_page_on_with_a_fragment(app, client, auth):
    me = client_id_of(app, auth.create_client())
    auth.create_admin(enrolled=True)
    auth.login("admin@example.fr", totp=True)
    for _ in range(25):
        client.get(f"/admin/clients/{me}/devices")
    auth.logout()
    auth.login()
    page = client.get("/account/privacy").get_data(as_text=True)
    more = re.search(r'hx-get="(/account/privacy\?before=\d+)"', page).group(1)
    fragment = client.get(more, headers=HTMX)
    assert "<html" not in fragment.get_data(as_text=True)
    assert fragment.get_data(as_text=True).count("<li>") == 5


def test_the_privacy_page_is_for_clients_only(client):
    assert client.get("/account/privacy").status_code == 302


def test_the_public_privacy_page_links_to_the_clients_data_page(client):
    html = client.get("/confidentialite").get_data(as_text=True)
    assert 'href="/account/privacy"' in html
