"""The mail outbox: queued in the transaction, delivered once, only over verified TLS."""

from __future__ import annotations

import socket
import threading
from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest
import sqlalchemy as sa
from flask import request

from models import db, utcnow
from models.mail import STATUS_FAILED, STATUS_PENDING, STATUS_SENDING, STATUS_SENT, OutboxMail
from services.mail import mail_url, send_mail
from services.mail_delivery import (
    MailConfigError,
    claim,
    deliver_pending,
    mail_config_problems,
    retry_delay,
)
from tests.fixtures.database import count_rows
from tests.fixtures.mail import deliver_outbox, eml_for, outbox_for, text_and_html

TO = "marie.martin@example.fr"
CREDENTIALS = ("espace-client@example.fr", "Mot-de-passe-SMTP-42")


def queue(app, to=TO, count=1) -> list[int]:
    """Queue ``count`` test mails to ``to`` and commit; their ids."""
    with app.app_context():
        mails = [send_mail(to, "test", f"Essai n° {n}") for n in range(count)]
        db.session.commit()
        return [mail.id for mail in mails]


def make_due(app) -> None:
    """Bring every waiting mail's next attempt to now, as if the back-off had elapsed."""
    with app.app_context():
        db.session.execute(sa.update(OutboxMail).values(next_attempt_at=utcnow()))
        db.session.commit()


def closed_port() -> int:
    """A local port where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def add_mail_route(app) -> None:
    """A view that queues a mail and commits (or rolls back), like any area's view does."""

    def queue_mail():
        send_mail(request.form["to"], "test", "Courriel de la requête")
        if request.form.get("rollback"):
            db.session.flush()
            db.session.rollback()
            return "annulé"
        db.session.commit()
        return "ok"

    app.add_url_rule("/_test/mail", "test_queue_mail", queue_mail, methods=["POST"])


# --- Queueing -------------------------------------------------------------------------------


def test_mail_row_exists_only_if_the_transaction_commits(app):
    with app.app_context():
        send_mail(TO, "test", "Annulé")
        db.session.rollback()
        assert count_rows(app, OutboxMail) == 0
        send_mail(TO, "test", "Validé")
        db.session.commit()
    [mail] = outbox_for(app, TO)
    assert (mail.subject, mail.status, mail.attempts) == ("Validé", STATUS_PENDING, 0)
    assert mail.message_id.endswith("@empcomputer-assistanceinformatique.com>")


def test_queued_mail_is_french_text_and_html_on_the_shared_layout(app):
    queue(app)
    [mail] = outbox_for(app, TO)
    for body in (mail.body_text, mail.body_html):
        assert "E.M.P COMPUTER INFORMATIQUE" in body
        assert "merci de ne pas y répondre" in body
        assert "http://127.0.0.1:5000/confidentialite" in body
        assert "sait vous écrire" in body
    assert 'href="http://127.0.0.1:5000/confidentialite"' in mail.body_html
    assert "<p>" not in mail.body_text


@pytest.mark.parametrize(
    ("to", "subject"),
    [("a@example.fr\r\nBcc: b@example.fr", "Sujet"), (TO, "Sujet\nBcc: b@example.fr")],
)
def test_line_breaks_in_headers_are_refused_at_queue_time(app, to, subject):
    with app.app_context(), pytest.raises(ValueError):
        send_mail(to, "test", subject)


@pytest.mark.settings(MAIL_BASE_URL="https://espace.example.fr")
def test_links_use_mail_base_url_not_the_requests_host(app, client):
    add_mail_route(app)
    client.post("/_test/mail", data={"to": TO}, headers={"Host": "pirate.example"})
    [mail] = outbox_for(app, TO)
    assert "https://espace.example.fr/confidentialite" in mail.body_text
    assert "pirate.example" not in mail.body_text + mail.body_html


def test_links_outside_a_request_need_mail_base_url_in_production(app):
    app.config["TESTING"] = False
    with app.app_context(), pytest.raises(MailConfigError, match="MAIL_BASE_URL"):
        mail_url("public.privacy")


# --- SMTP over TLS --------------------------------------------------------------------------


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_mail_is_delivered_over_tls_with_login(app, smtp_server, security):
    server = smtp_server(security, credentials=CREDENTIALS)
    app.config.update(server.settings)
    queue(app)

    report = deliver_outbox(app)

    assert (report.sent, report.retried, report.failed, report.stopped_by) == (1, 0, 0, None)
    assert server.handler.logins == [CREDENTIALS]
    assert server.handler.encrypted == [True]
    [message] = server.messages
    [mail] = outbox_for(app, TO)
    assert message["To"] == TO
    assert (
        message["From"].addresses[0].addr_spec == "no-reply@empcomputer-assistanceinformatique.com"
    )
    assert message["Subject"] == "Essai n° 0"
    assert str(message["Message-ID"]).strip() == mail.message_id  # may be folded
    assert abs(parsedate_to_datetime(message["Date"]).replace(tzinfo=None) - utcnow()) < timedelta(
        minutes=1
    )
    assert message.get_content_type() == "multipart/alternative"
    text, html = text_and_html(message)
    assert "Accents et symboles : é è à ç ô œ €." in text
    assert "<p>Bonjour,</p>" in html
    assert (mail.status, mail.attempts, mail.last_error) == (STATUS_SENT, 1, None)
    assert mail.sent_at is not None


def test_server_without_starttls_is_refused_and_nothing_goes_in_clear(app, smtp_server):
    server = smtp_server("plain", credentials=CREDENTIALS)
    app.config.update(server.settings)
    queue(app)

    report = deliver_outbox(app)

    assert "STARTTLS" in report.stopped_by
    assert server.handler.mail_from == []
    assert server.handler.logins == []
    assert server.messages == []
    [mail] = outbox_for(app, TO)
    assert (mail.status, mail.attempts) == (STATUS_PENDING, 1)
    assert "STARTTLS" in mail.last_error


def test_refused_login_stops_the_batch_and_sends_nothing(app, smtp_server):
    server = smtp_server("starttls", credentials=CREDENTIALS)
    app.config.update(server.settings, MAIL_PASSWORD="mauvais-mot-de-passe")
    queue(app, count=2)

    report = deliver_outbox(app)

    assert "Authentication" in report.stopped_by and report.retried == 1
    assert server.messages == []
    assert sorted(mail.attempts for mail in outbox_for(app, TO)) == [0, 1]


@pytest.mark.parametrize("security", ["tls", "starttls"])
@pytest.mark.parametrize(
    ("certificate", "use_ca_file"),
    [("untrusted", True), ("wrong_host", True), ("trusted", False)],
    ids=["unknown-issuer", "wrong-host-name", "test-ca-not-configured"],
)
def test_certificate_that_does_not_verify_is_refused(
    app, smtp_server, security, certificate, use_ca_file
):
    server = smtp_server(security, certificate=certificate, credentials=CREDENTIALS)
    app.config.update(server.settings)
    if not use_ca_file:
        app.config["MAIL_CA_FILE"] = None
    queue(app)

    report = deliver_outbox(app)

    assert "certificat" in report.stopped_by
    assert server.messages == [] and server.handler.logins == []
    [mail] = outbox_for(app, TO)
    assert mail.status == STATUS_PENDING and "certificat" in mail.last_error


# --- Retries --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attempts", "seconds"), [(1, 60), (2, 120), (3, 240), (5, 960), (20, 6 * 3600)]
)
def test_retry_delay_doubles_up_to_the_cap(app, attempts, seconds):
    assert retry_delay(attempts, app.config) == timedelta(seconds=seconds)


@pytest.mark.settings(
    MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_MAX_ATTEMPTS=3, MAIL_RETRY_BASE_S=60
)
def test_failures_back_off_then_fail_after_the_last_attempt(app):
    app.config["MAIL_PORT"] = closed_port()
    queue(app)

    for attempt, delay in ((1, 60), (2, 120)):
        before = utcnow()
        report = deliver_outbox(app)
        [mail] = outbox_for(app, TO)
        assert (report.retried, mail.status, mail.attempts) == (1, STATUS_PENDING, attempt)
        assert "connexion" in mail.last_error
        waited = mail.next_attempt_at - before
        assert timedelta(seconds=delay - 5) < waited < timedelta(seconds=delay + 5)
        assert deliver_outbox(app).retried == 0  # not due again before the back-off
        make_due(app)

    report = deliver_outbox(app)
    [mail] = outbox_for(app, TO)
    assert (report.failed, mail.status, mail.attempts) == (1, STATUS_FAILED, 3)
    make_due(app)
    assert deliver_outbox(app).failed == 0  # a failed mail is never tried again


def test_mail_left_sending_by_a_crash_is_taken_over_after_the_lease(app):
    stuck, fresh = queue(app, count=2)
    with app.app_context():
        db.session.execute(
            sa.update(OutboxMail)
            .where(OutboxMail.id == stuck)
            .values(status=STATUS_SENDING, attempts=1, next_attempt_at=utcnow())
        )
        db.session.execute(
            sa.update(OutboxMail)
            .where(OutboxMail.id == fresh)
            .values(
                status=STATUS_SENDING, attempts=1, next_attempt_at=utcnow() + timedelta(hours=1)
            )
        )
        db.session.commit()

    assert deliver_outbox(app).sent == 1

    with app.app_context():
        assert db.session.get(OutboxMail, stuck).status == STATUS_SENT
        assert db.session.get(OutboxMail, stuck).attempts == 2
        assert db.session.get(OutboxMail, fresh).status == STATUS_SENDING  # still leased


# --- Exactly once ---------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["file", "smtp"])
def test_two_senders_at_once_deliver_each_mail_exactly_once(app, smtp_server, backend):
    if backend == "smtp":
        server = smtp_server("tls")
        app.config.update(server.settings)
    ids = queue(app, count=12)
    start = threading.Barrier(2)
    reports, errors = [], []

    def sender():
        try:
            with app.app_context():
                start.wait()
                reports.append(deliver_pending())
                db.session.remove()
        except Exception as error:  # surfaced below: a thread cannot fail the test itself
            errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sum(report.sent for report in reports) == 12
    if backend == "smtp":
        subjects = sorted(message["Subject"] for message in server.messages)
    else:
        subjects = sorted(message["Subject"] for message in eml_for(app, TO))
    assert subjects == sorted(f"Essai n° {n}" for n in range(12))
    with app.app_context():
        rows = db.session.execute(
            sa.select(OutboxMail.status, OutboxMail.attempts).where(OutboxMail.id.in_(ids))
        ).all()
    assert set(rows) == {(STATUS_SENT, 1)}


def test_a_claimed_mail_cannot_be_claimed_by_a_second_sender(app):
    [mail_id] = queue(app)
    with app.app_context():
        assert claim(mail_id, app.config) == 1
        assert claim(mail_id, app.config) is None
        assert db.session.get(OutboxMail, mail_id).status == STATUS_SENDING


# --- File backend ---------------------------------------------------------------------------


def test_file_backend_writes_a_parseable_eml(app):
    queue(app)
    assert deliver_outbox(app).sent == 1
    [message] = eml_for(app, TO)
    [mail] = outbox_for(app, TO)
    # A long id (the process id is part of it) is folded onto a second line: compare unfolded.
    assert str(message["Message-ID"]).strip() == mail.message_id
    assert message.get_content_type() == "multipart/alternative"
    text, html = text_and_html(message)
    assert "merci de ne pas y répondre" in text
    assert "sait vous écrire" in html
    assert all(part.get_content_charset() == "utf-8" for part in message.iter_parts())


# --- Right after the commit -----------------------------------------------------------------


@pytest.mark.settings(MAIL_SEND_AFTER_COMMIT=True)
def test_mail_committed_in_a_request_is_delivered_after_the_response(app, client):
    add_mail_route(app)
    response = client.post("/_test/mail", data={"to": TO})
    assert response.status_code == 200
    response.close()
    assert [mail.status for mail in outbox_for(app, TO)] == [STATUS_SENT]
    assert len(eml_for(app, TO)) == 1


@pytest.mark.settings(MAIL_SEND_AFTER_COMMIT=True)
def test_mail_rolled_back_in_a_request_is_neither_kept_nor_sent(app, client):
    add_mail_route(app)
    response = client.post("/_test/mail", data={"to": TO, "rollback": "1"})
    assert response.status_code == 200
    response.close()
    assert outbox_for(app, TO) == [] and eml_for(app, TO) == []


def test_without_send_after_commit_the_mail_waits_for_cron(app, client):
    add_mail_route(app)
    client.post("/_test/mail", data={"to": TO}).close()
    assert [mail.status for mail in outbox_for(app, TO)] == [STATUS_PENDING]
    assert eml_for(app, TO) == []


@pytest.mark.settings(MAIL_SEND_AFTER_COMMIT=True, MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1")
def test_delivery_failure_after_commit_leaves_the_request_intact(app, client):
    app.config["MAIL_PORT"] = closed_port()
    add_mail_route(app)
    response = client.post("/_test/mail", data={"to": TO})
    assert response.status_code == 200 and response.text == "ok"
    response.close()
    [mail] = outbox_for(app, TO)
    assert (mail.status, mail.attempts) == (STATUS_PENDING, 1)
    assert "connexion" in mail.last_error


# --- Settings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "value", "problem"),
    [
        ("MAIL_BACKEND", "pigeon", "MAIL_BACKEND"),
        ("MAIL_SECURITY", "none", "en clair"),
        ("MAIL_SECURITY", "", "en clair"),
        ("MAIL_CA_FILE", "/nowhere/ca.pem", "MAIL_CA_FILE"),
        ("MAIL_USERNAME", "seul@example.fr", "MAIL_PASSWORD"),
        ("MAIL_DEFAULT_SENDER", "Personne", "MAIL_DEFAULT_SENDER"),
    ],
)
def test_unusable_mail_settings_are_named(app, setting, value, problem):
    config = {**app.config, "MAIL_BACKEND": "smtp", setting: value}
    assert any(problem in text for text in mail_config_problems(config))


# --- Commands -------------------------------------------------------------------------------


def test_mail_test_command_queues_a_test_mail_and_send_delivers_it(app, runner):
    result = runner.invoke(args=["mail", "test", TO])
    assert result.exit_code == 0, result.output
    assert [mail.template for mail in outbox_for(app, TO)] == ["test"]
    assert eml_for(app, TO) == []

    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "1 courriel(s) envoyé(s)" in result.output
    assert len(eml_for(app, TO)) == 1
    assert "0 courriel(s) envoyé(s)" in runner.invoke(args=["mail", "send"]).output


def test_mail_test_now_delivers_through_the_smtp_server(app, runner, mail_server):
    result = runner.invoke(args=["mail", "test", TO, "--now"])
    assert result.exit_code == 0, result.output
    assert [message["To"] for message in mail_server.messages] == [TO]


@pytest.mark.settings(MAIL_BACKEND="smtp", MAIL_SECURITY="none")
def test_mail_send_fails_on_a_configuration_error_and_claims_nothing(app, runner):
    queue(app)
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code != 0
    assert "Configuration des courriels invalide" in result.output
    assert [(m.status, m.attempts) for m in outbox_for(app, TO)] == [(STATUS_PENDING, 0)]


def test_mail_send_fails_when_the_server_refuses_tls(app, runner, smtp_server):
    app.config.update(smtp_server("plain").settings)
    queue(app)
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code != 0
    assert "STARTTLS" in result.output


def test_a_write_chosen_as_deadlock_victim_is_retried_and_other_errors_are_not(app):
    """MariaDB rolls back one of two senders locking the outbox in opposite orders (1213)."""
    from services.mail_delivery import retried_on_deadlock

    calls = []

    @retried_on_deadlock
    def write(code):
        calls.append(code)
        if len(calls) == 1:
            raise sa.exc.OperationalError("UPDATE outbox_mail ...", {}, Exception(code, "x"))
        return "done"

    with app.app_context():
        assert write(1213) == "done" and calls == [1213, 1213]
        calls.clear()
        with pytest.raises(sa.exc.OperationalError):
            write(2013)  # a lost connection is not a deadlock: raised at once
        assert calls == [2013]
