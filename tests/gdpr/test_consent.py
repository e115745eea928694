"""Newsletter consent: opt-in at registration (unchecked), subscribing confirmed by e-mail,
withdrawn in one click from the account or from a mail's link without logging in (also by the
mail client's one-click POST), each change kept with its wording and shown to the client."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from models import db
from models.client import Client
from models.consent import ConsentRecord
from services.consent import unsubscribe_token
from tests.fixtures.accounts import page_text, sent_mails
from tests.fixtures.devices import client_id_of
from tests.fixtures.http import csrf_token_from


@pytest.fixture
def me(app, auth):
    client_id = client_id_of(app, auth.create_client())
    auth.login()
    return client_id


def consent_of(app, client_id) -> bool:
    with app.app_context():
        return db.session.get(Client, client_id).newsletter_consent


def records_of(app, client_id) -> list[tuple[str, str]]:
    with app.app_context():
        return [
            (r.action, r.source)
            for r in db.session.scalars(
                sa.select(ConsentRecord)
                .where(ConsentRecord.client_id == client_id)
                .order_by(ConsentRecord.id)
            )
        ]


def confirmation_link(app) -> str:
    (mail,) = sent_mails(app, "newsletter_confirm", to="client@example.fr")
    return re.search(r"(/newsletter/confirm/[^\s\"<]+)", mail.body_text).group(1)


def test_the_registration_box_is_unchecked(client):
    html = client.get("/auth/register").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="newsletter"[^>]*>', html).group(0)
    assert "checked" not in box


def test_subscribing_needs_the_mails_confirmation(app, client, me):
    page = page_text(client.get("/account/privacy"))
    assert "Vous ne recevez pas notre lettre d'information" in page
    response = client.post(
        "/account/privacy/newsletter/subscribe", data={"csrf_token": csrf_token_from(page)}
    )
    assert response.status_code == 303
    assert not consent_of(app, me)
    link = confirmation_link(app)
    anonymous = app.test_client()
    confirm_page = anonymous.get(link)
    assert not consent_of(app, me)  # opening the link alone changes nothing (mail scanners)
    form = confirm_page.get_data(as_text=True)
    assert anonymous.post(link, data={"csrf_token": csrf_token_from(form)}).status_code == 200
    assert consent_of(app, me)
    assert records_of(app, me) == [("given", "mail_link")]
    with app.app_context():
        record = db.session.scalars(sa.select(ConsentRecord)).one()
        assert "lettre d'information" in record.wording


def test_one_click_from_the_account_withdraws(app, client, me):
    with app.app_context():
        db.session.get(Client, me).newsletter_consent = True
        db.session.commit()
    page = page_text(client.get("/account/privacy"))
    client.post(
        "/account/privacy/newsletter/unsubscribe", data={"csrf_token": csrf_token_from(page)}
    )
    assert not consent_of(app, me)
    assert records_of(app, me) == [("withdrawn", "account")]
    page = page_text(client.get("/account/privacy"))
    assert "Historique de vos choix" in page and "Retiré" in page


def test_a_mails_one_click_unsubscribe_needs_no_login_and_no_csrf(app, me):
    with app.app_context():
        client_row = db.session.get(Client, me)
        client_row.newsletter_consent = True
        db.session.commit()
        token = unsubscribe_token(client_row)
    mail_client = app.test_client()
    response = mail_client.post(
        f"/newsletter/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    assert not consent_of(app, me)
    assert records_of(app, me) == [("withdrawn", "mail_link")]
    assert "Me désinscrire" in page_text(mail_client.get(f"/newsletter/unsubscribe/{token}"))


@pytest.mark.parametrize("path", ["/newsletter/unsubscribe/forged", "/newsletter/confirm/forged"])
def test_a_forged_link_is_404(client, path):
    assert client.get(path).status_code == 404
    assert client.post(path).status_code in (400, 404)


def test_an_expired_confirmation_link_says_so(app, client, me):
    page = page_text(client.get("/account/privacy"))
    client.post("/account/privacy/newsletter/subscribe", data={"csrf_token": csrf_token_from(page)})
    link = confirmation_link(app)
    later = datetime.now(UTC) + timedelta(hours=49)
    with time_machine.travel(later, tick=False):
        response = app.test_client().get(link)
    assert response.status_code == 410 and "a expiré" in page_text(response)


def test_consent_given_at_registration_is_recorded_with_its_wording(app, client):
    html = client.get("/auth/register").get_data(as_text=True)
    from services.accounts import create_client_account

    with app.test_request_context():
        user = create_client_account("nouveau@example.fr", "x" * 20, "particulier", True)
        db.session.commit()
        client_id = user.client.id
    assert records_of(app, client_id) == [("given", "registration")]
    assert "lettre d'information" in html
