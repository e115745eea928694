"""Newsletters: written as a sanitised draft, previewed, tested on the author, then sent only to
consenting clients, in batches through the outbox, each mail with one-click unsubscribe headers;
a withdrawal stops delivery at once; restricted clients get none; clients never see the pages."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from models import db, utcnow
from models.activity import ActivityLog
from models.client import Client
from models.mail import OutboxMail
from models.newsletter import Newsletter, NewsletterDelivery
from models.user import User
from tests.fixtures.accounts import page_text, sent_mails
from tests.fixtures.database import count_rows
from tests.fixtures.http import csrf_token_from
from tests.fixtures.mail import deliver_outbox, outbox_for, text_and_html

ADMIN = "admin@example.fr"
DRAFT = {
    "subject": "Nouveautés de décembre",
    "body_html": '<h3>Bonjour</h3><p>Nos <a href="https://example.fr">offres</a>.</p>'
    '<script>alert(1)</script><p onclick="x()">Fin</p>',
    "body_text": "Bonjour, nos offres : https://example.fr",
}


@pytest.fixture
def admin(app, auth):
    auth.create_admin(enrolled=True)
    auth.login(ADMIN, totp=True)


def subscriber(app, auth, email: str, **fields) -> int:
    auth.create_client(email=email, newsletter_consent=True, **fields)
    with app.app_context():
        return db.session.scalar(sa.select(Client.id).join(Client.user).where(User.email == email))


def post(client, url: str, data: dict | None = None, page: str | None = None):
    token = csrf_token_from(client.get(page or url).get_data(as_text=True))
    return client.post(url, data={**(data or {}), "csrf_token": token})


def new_draft(app, client, **changes) -> int:
    response = post(client, "/admin/newsletters/new", {**DRAFT, **changes})
    assert response.status_code == 303, page_text(response)[:2000]
    with app.app_context():
        return db.session.scalars(sa.select(Newsletter.id).order_by(Newsletter.id.desc())).first()


def act(client, newsletter_id: int, action: str):
    return post(
        client,
        f"/admin/newsletters/{newsletter_id}/{action}",
        page=f"/admin/newsletters/{newsletter_id}",
    )


def test_a_draft_is_sanitised_and_previewed(app, client, admin):
    newsletter_id = new_draft(app, client)
    with app.app_context():
        stored = db.session.get(Newsletter, newsletter_id).body_html
    assert "<script" not in stored and "onclick" not in stored
    assert 'rel="nofollow noopener noreferrer"' in stored
    page = client.get(f"/admin/newsletters/{newsletter_id}").get_data(as_text=True)
    assert 'class="newsletter-preview" hx-disable' in page and "<h3>Bonjour</h3>" in page
    assert "Envoyez-vous d&#39;abord un test" in page or "Envoyez-vous d'abord un test" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"subject": ""}, "Indiquez l'objet de la lettre."),
        ({"subject": "x" * 201}, "200 caractères au plus."),
        ({"body_html": ""}, "Écrivez le contenu de la lettre."),
        ({"body_text": "  "}, "Écrivez la version texte"),
    ],
)
def test_a_bad_draft_is_refused_with_the_typing_kept(app, client, admin, changes, message):
    response = post(client, "/admin/newsletters/new", {**DRAFT, **changes})
    assert response.status_code == 422
    text = page_text(response)
    assert message in text
    if "body_text" not in changes:
        assert "Bonjour, nos offres" in text
    assert count_rows(app, Newsletter) == 0


def test_sending_needs_a_test_of_the_last_version(app, client, auth, admin):
    subscriber(app, auth, "abonne@example.fr")
    newsletter_id = new_draft(app, client)
    act(client, newsletter_id, "send")
    assert count_rows(app, NewsletterDelivery) == 0
    assert act(client, newsletter_id, "test").status_code == 303
    (test_mail,) = sent_mails(app, "newsletter", to=ADMIN)
    assert "Test : chaque client recevra ici son lien" in test_mail.body_text
    assert test_mail.subject == "Nouveautés de décembre"
    post(
        client,
        f"/admin/newsletters/{newsletter_id}/edit",
        {**DRAFT, "subject": "Nouveautés corrigées"},
    )
    act(client, newsletter_id, "send")
    assert count_rows(app, NewsletterDelivery) == 0  # edited after the test: test again
    assert "Envoyez-vous d'abord un test" in page_text(
        client.get(f"/admin/newsletters/{newsletter_id}")
    )


def test_only_consenting_clients_get_it_with_one_click_unsubscribe(
    app, client, auth, admin, mail_server
):
    subscriber(app, auth, "abonne@example.fr")
    auth.create_client(email="sans-accord@example.fr")  # never consented
    subscriber(app, auth, "limite@example.fr", restricted_at=utcnow(), restriction_reason="x")
    subscriber(app, auth, "non-verifie@example.fr", verified=False)
    newsletter_id = new_draft(app, client)
    act(client, newsletter_id, "test")
    assert act(client, newsletter_id, "send").status_code == 303

    assert [m.recipient for m in sent_mails(app, "newsletter") if m.recipient != ADMIN] == [
        "abonne@example.fr"
    ]
    with app.app_context():
        newsletter = db.session.get(Newsletter, newsletter_id)
        assert (newsletter.status, newsletter.recipients_count) == ("sent", 1)
    page = page_text(client.get(f"/admin/newsletters/{newsletter_id}"))
    assert "1 sur 1 traités" in page and "Envoi terminé" in page

    deliver_outbox(app)
    message = next(m for m in mail_server.messages if m["To"] == "abonne@example.fr")
    url = re.fullmatch(r"<(.+)>", message["List-Unsubscribe"]).group(1)
    assert "/newsletter/unsubscribe/" in url
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = text_and_html(message)
    assert url in text and "Se désinscrire en un clic" in html and "<h3>Bonjour</h3>" in html
    (sent,) = outbox_for(app, "abonne@example.fr")
    assert sent.list_unsubscribe is None  # the token goes with the bodies once sent

    # The mail client's one-click POST, without login or CSRF, withdraws the consent.
    anonymous = app.test_client()
    path = url.split("://", 1)[1].split("/", 1)[1]
    response = anonymous.post("/" + path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code in (200, 303)
    with app.app_context():
        assert (
            db.session.scalars(
                sa.select(Client.newsletter_consent)
                .join(Client.user)
                .where(User.email == "abonne@example.fr")
            ).one()
            is False
        )


def test_batches_go_through_the_command_and_a_withdrawal_stops_delivery(
    app, client, auth, admin, runner
):
    app.config["NEWSLETTER_BATCH_SIZE"] = 2
    ids = [subscriber(app, auth, f"abonne{n}@example.fr") for n in range(5)]
    newsletter_id = new_draft(app, client)
    act(client, newsletter_id, "test")
    act(client, newsletter_id, "send")  # the first batch at once
    assert len([m for m in sent_mails(app, "newsletter") if m.recipient != ADMIN]) == 2
    page = client.get(f"/admin/newsletters/{newsletter_id}").get_data(as_text=True)
    assert 'hx-trigger="every 3s"' in page  # the progress follows itself while sending

    # Client 1's mail waits in the outbox, client 4's is not even queued: both withdraw.
    from services.consent import withdraw_newsletter_consent

    with app.app_context():
        for client_id in (ids[1], ids[4]):
            withdraw_newsletter_consent(db.session.get(Client, client_id), "account")
        db.session.commit()
    assert outbox_for(app, "abonne1@example.fr") == []

    result = runner.invoke(args=["newsletters", "send"])
    assert result.exit_code == 0, result.output
    recipients = sorted(m.recipient for m in sent_mails(app, "newsletter") if m.recipient != ADMIN)
    assert recipients == ["abonne0@example.fr", "abonne2@example.fr", "abonne3@example.fr"]
    with app.app_context():
        statuses = dict(
            db.session.execute(
                sa.select(NewsletterDelivery.client_id, NewsletterDelivery.status)
            ).all()
        )
        assert statuses[ids[1]] == statuses[ids[4]] == "withdrawn"
        assert db.session.get(Newsletter, newsletter_id).status == "sent"
    fragment = client.get(
        f"/admin/newsletters/{newsletter_id}/progress", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert fragment.startswith('<section id="newsletter-progress"')
    assert "every 3s" not in fragment and "5 sur 5 traités" in fragment


def test_a_restricted_client_gets_no_newsletter_even_if_restricted_during_sending(
    app, client, auth, admin, runner
):
    app.config["NEWSLETTER_BATCH_SIZE"] = 1
    first = subscriber(app, auth, "premier@example.fr")
    second = subscriber(app, auth, "second@example.fr")
    newsletter_id = new_draft(app, client)
    act(client, newsletter_id, "test")
    act(client, newsletter_id, "send")
    with app.app_context():
        db.session.get(Client, second).restricted_at = utcnow()
        db.session.commit()
    runner.invoke(args=["newsletters", "send"])
    assert outbox_for(app, "second@example.fr") == []
    assert len(outbox_for(app, "premier@example.fr")) == 1
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(NewsletterDelivery.status).where(NewsletterDelivery.client_id == second)
            )
            == "skipped"
        )
    assert first


def test_a_sent_newsletter_is_neither_edited_nor_deleted_nor_sent_twice(app, client, auth, admin):
    subscriber(app, auth, "abonne@example.fr")
    newsletter_id = new_draft(app, client)
    act(client, newsletter_id, "test")
    act(client, newsletter_id, "send")
    act(client, newsletter_id, "send")
    act(client, newsletter_id, "delete")
    assert count_rows(app, Newsletter) == 1 and count_rows(app, NewsletterDelivery) == 1
    response = client.get(f"/admin/newsletters/{newsletter_id}/edit")
    assert response.status_code == 303
    assert "ne se modifie plus" in page_text(client.get(f"/admin/newsletters/{newsletter_id}"))


def test_a_draft_is_deleted_after_confirmation(app, client, admin):
    newsletter_id = new_draft(app, client)
    page = client.get(f"/admin/newsletters/{newsletter_id}").get_data(as_text=True)
    assert "data-confirm=" in page
    assert act(client, newsletter_id, "delete").status_code == 303
    assert count_rows(app, Newsletter) == 0
    assert "Aucune lettre pour l'instant" in page_text(client.get("/admin/newsletters"))
    with app.app_context():
        actions = set(db.session.scalars(sa.select(ActivityLog.action)))
    assert {"newsletter.created", "newsletter.deleted"} <= actions


def test_without_subscribers_nothing_can_be_sent(app, client, admin):
    newsletter_id = new_draft(app, client)
    act(client, newsletter_id, "test")
    page = page_text(client.get(f"/admin/newsletters/{newsletter_id}"))
    assert "Aucun client n'a demandé à recevoir la lettre" in page
    act(client, newsletter_id, "send")
    with app.app_context():
        assert db.session.get(Newsletter, newsletter_id).status == "draft"


def test_clients_never_reach_the_newsletter_pages(app, client, auth):
    auth.create_client()
    auth.login()
    for url in ("/admin/newsletters", "/admin/newsletters/new", "/admin/newsletters/1"):
        assert client.get(url).status_code == 404
    assert count_rows(app, OutboxMail) == 0
