"""Restriction of processing (GDPR art. 18): placed and lifted by an admin, logged and told to
the client; optional mails stop, needed ones go on; every admin page of the client says so; the
purge leaves them alone; every mail template is classified."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from models import db
from models.activity import ActivityLog
from models.client import Client
from services.mail import send_mail
from services.purge import purge_holds
from services.restriction import NEEDED_MAILS, OPTIONAL_MAILS
from tests.fixtures.accounts import page_text, sent_mails
from tests.fixtures.config import ROOT
from tests.fixtures.devices import add_device, client_id_of
from tests.fixtures.http import csrf_token_from


@pytest.fixture
def admin(app, auth):
    client_id = client_id_of(app, auth.create_client(last_name="Limité"))
    auth.create_admin(enrolled=True)
    auth.login("admin@example.fr", totp=True)
    return client_id


def restrict(client, client_id, reason="Le client conteste son adresse"):
    url = f"/admin/clients/{client_id}/restriction"
    page = client.get(url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_token_from(page), "reason": reason})


def test_an_admin_restricts_then_lifts_and_the_client_is_told(app, client, admin):
    assert restrict(client, admin).status_code == 303
    with app.app_context():
        assert db.session.get(Client, admin).restricted_at is not None
    (placed,) = sent_mails(app, "restriction_placed", to="client@example.fr")
    assert "Le client conteste son adresse" in placed.body_text
    text = page_text(client.get(f"/admin/clients/{admin}"))
    assert "Traitement limité depuis le" in text
    response = client.post(
        f"/admin/clients/{admin}/restriction/lift", data={"csrf_token": csrf_token_from(text)}
    )
    assert response.status_code == 303
    with app.app_context():
        client_row = db.session.get(Client, admin)
        assert client_row.restricted_at is None and client_row.restriction_reason is None
        actions = db.session.scalars(
            sa.select(ActivityLog.action)
            .where(ActivityLog.action.like("gdpr.restriction%"))
            .order_by(ActivityLog.id)
        ).all()
        assert actions == ["gdpr.restriction_placed", "gdpr.restriction_lifted"]
    assert len(sent_mails(app, "restriction_lifted", to="client@example.fr")) == 1
    assert "Traitement limité depuis" not in page_text(client.get(f"/admin/clients/{admin}"))


def test_a_restriction_needs_a_reason_and_keeps_the_typing(app, client, admin):
    response = restrict(client, admin, reason="")
    assert response.status_code == 422
    assert "Indiquez le motif de la limitation." in page_text(response)
    with app.app_context():
        assert db.session.get(Client, admin).restricted_at is None


def test_every_admin_page_of_the_client_shows_the_restriction(app, client, admin):
    device_id = add_device(app, admin)
    restrict(client, admin)
    for url in (
        f"/admin/clients/{admin}",
        f"/admin/clients/{admin}/devices/{device_id}/edit",
        f"/admin/clients/{admin}/invoices",
        f"/admin/clients/{admin}/contracts",
        f"/admin/clients/{admin}/contact/edit",
    ):
        assert "RGPD, article 18" in page_text(client.get(url)), url


def test_optional_mails_stop_and_needed_ones_go_on(app, client, admin):
    restrict(client, admin)
    with app.test_request_context():
        assert send_mail("client@example.fr", "licence_reminder", "Rappel") is None
        assert send_mail("client@example.fr", "password_changed", "Mot de passe") is not None
        assert send_mail("autre@example.fr", "licence_reminder", "Rappel") is not None
        db.session.commit()
    assert sent_mails(app, "licence_reminder", to="client@example.fr") == []
    assert len(sent_mails(app, "password_changed", to="client@example.fr")) == 1


def test_a_restricted_client_is_not_purged(app, client, admin):
    restrict(client, admin)
    with app.app_context():
        assert any("article 18" in reason for reason in purge_holds(app, admin))


def test_every_mail_template_is_classified():
    templates = {p.stem for p in (ROOT / "templates" / "mail").glob("[!_]*.txt")}
    assert OPTIONAL_MAILS.isdisjoint(NEEDED_MAILS)
    assert templates - OPTIONAL_MAILS - NEEDED_MAILS == set()


def test_a_client_cannot_restrict(client, auth, admin):
    auth.login()
    assert client.get(f"/admin/clients/{admin}/restriction").status_code == 404
