"""Delivery of the mail outbox: claim each due mail, send it, record the outcome.

:func:`deliver_pending` is called by ``flask --app app mail send`` (cron) and right after the
commit of a request that queued mails (see :mod:`services.mail`). Several senders may run at once
(cron and the app, or two app servers): each mail is *claimed* first by one conditional
``UPDATE ... WHERE status IN ('pending', 'sending') AND next_attempt_at <= now``, committed on its
own, and only the sender whose update changed the row (``rowcount == 1``) sends it. The claim
sets ``status='sending'``, counts the attempt and moves ``next_attempt_at`` to the end of a lease
(``MAIL_SENDING_TIMEOUT_S``). After sending, the row becomes ``sent`` (``sent_at``,
``message_id``), or goes back to ``pending`` with ``last_error`` and an exponential back-off in
``next_attempt_at``, or becomes ``failed`` after ``MAIL_MAX_ATTEMPTS`` attempts.

Delivery is exactly once, except in one rare case: a sender that crashes (or hangs longer than
the lease) after handing the mail to the server but before recording it leaves the row in
``sending``; once the lease has passed, another sender takes it over and sends it again. That
case is at-least-once, and the copies share the same ``Message-ID`` so mail clients can tell.

Backends, chosen by ``MAIL_BACKEND``: ``smtp`` (only over TLS: implicit TLS with
``MAIL_SECURITY="tls"`` or STARTTLS with ``"starttls"``, the certificate always verified; a server
without STARTTLS or with an unverifiable certificate is an error, never a plain-text fall-back)
and ``file`` (one ``.eml`` per mail in ``MAIL_FILE_DIR``, for development and tests).

The bodies are encrypted in the row (see :mod:`models.mail`); they are decrypted only to build
the message, and blanked in the same UPDATE that records the mail sent or failed for good.
:func:`purge_expired` deletes sent and failed rows after ``MAIL_RETENTION_DAYS``.
"""

from __future__ import annotations

import contextlib
import functools
import os
import smtplib
import ssl
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from models import db, utcnow
from models.mail import (
    STATUS_FAILED,
    STATUS_PENDING,
    STATUS_SENDING,
    STATUS_SENT,
    OutboxMail,
)
from services.crypto import decrypt
from services.private_files import private_directory

BACKENDS = ("smtp", "file")
SECURITIES = ("tls", "starttls")
MAX_ERROR_LENGTH = 500  # size of OutboxMail.last_error
# What the UPDATE that ends a mail's life sets: its bodies, and the links in them, are gone.
BLANK_BODIES = {
    "body_text_encrypted": None,
    "body_html_encrypted": None,
    "list_unsubscribe": None,
}


MAIL_TLS_MINIMUM = ssl.TLSVersion.TLSv1_2


class MailConfigError(RuntimeError):
    """The MAIL_* settings cannot work; nothing was claimed or sent."""


class MailConnectionError(RuntimeError):
    """The mail server could not be reached safely (connection, TLS, certificate, login).

    Delivery stops for the batch: the next mails would meet the same server.
    """


@dataclass
class DeliveryReport:
    """What one :func:`deliver_pending` call did."""

    sent: int = 0
    retried: int = 0  # failed this time, back to pending for a later attempt
    failed: int = 0  # failed for good after MAIL_MAX_ATTEMPTS
    stopped_by: str | None = None  # connection error that stopped the batch


def mail_config_problems(config) -> list[str]:
    """What is wrong with the MAIL_* settings, in French (empty when they can work)."""
    problems = []
    backend = config.get("MAIL_BACKEND")
    if backend not in BACKENDS:
        problems.append(f"MAIL_BACKEND doit valoir {' ou '.join(BACKENDS)} (reçu {backend!r})")
    if "@" not in parseaddr(config.get("MAIL_DEFAULT_SENDER") or "")[1]:
        problems.append("MAIL_DEFAULT_SENDER doit contenir une adresse e-mail")
    if backend == "smtp":
        if config.get("MAIL_SECURITY") not in SECURITIES:
            problems.append(
                "MAIL_SECURITY doit valoir tls (port 465) ou starttls (port 587) : "
                "l'envoi en clair n'est pas permis"
            )
        if not config.get("MAIL_SERVER"):
            problems.append("MAIL_SERVER est vide")
        if not isinstance(config.get("MAIL_PORT"), int):
            problems.append("MAIL_PORT doit être un nombre")
        ca_file = config.get("MAIL_CA_FILE")
        if ca_file and not Path(ca_file).is_file():
            problems.append(f"MAIL_CA_FILE introuvable : {ca_file}")
        if bool(config.get("MAIL_USERNAME")) != bool(config.get("MAIL_PASSWORD")):
            problems.append("MAIL_USERNAME et MAIL_PASSWORD vont ensemble")
    return problems


def check_mail_config(config) -> None:
    """Raise :class:`MailConfigError` when the MAIL_* settings cannot work."""
    problems = mail_config_problems(config)
    if problems:
        raise MailConfigError(" ; ".join(problems))


def retry_delay(attempts: int, config) -> timedelta:
    """Wait before the next attempt after ``attempts`` failed ones: doubling, capped."""
    seconds = config["MAIL_RETRY_BASE_S"] * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, config["MAIL_RETRY_MAX_S"]))


def sender_domain(config) -> str:
    """The domain of MAIL_DEFAULT_SENDER, used for Message-IDs."""
    return parseaddr(config["MAIL_DEFAULT_SENDER"])[1].rpartition("@")[2] or "localhost"


def new_message_id(config) -> str:
    """A fresh, unique ``Message-ID`` in the sender's domain."""
    return make_msgid(domain=sender_domain(config))


def build_message(mail: OutboxMail, config) -> EmailMessage:
    """The MIME message of ``mail``: multipart/alternative, text then HTML, UTF-8."""
    message = EmailMessage()
    name, address = parseaddr(config["MAIL_DEFAULT_SENDER"])
    message["From"] = Address(display_name=name, addr_spec=address)
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = mail.message_id or new_message_id(config)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    if mail.list_unsubscribe:  # a newsletter: one-click unsubscribe (RFC 2369, RFC 8058)
        message["List-Unsubscribe"] = f"<{mail.list_unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    text, html = mail_bodies(mail)
    if text is None:
        raise ValueError(f"mail {mail.id} has no body left: it was sent or failed already")
    message.set_content(text, charset="utf-8")
    if html:
        message.add_alternative(html, subtype="html", charset="utf-8")
    return message


def mail_bodies(mail: OutboxMail) -> tuple[str | None, str | None]:
    """The clear text and HTML bodies of ``mail`` (None once blanked)."""
    return decrypt(mail.body_text_encrypted), decrypt(mail.body_html_encrypted)


# --- Backends -------------------------------------------------------------------------------


class FileBackend:
    """Writes each mail as a ``.eml`` file in ``MAIL_FILE_DIR`` (development and tests)."""

    def __init__(self, config):
        self.directory = Path(config["MAIL_FILE_DIR"])

    def __enter__(self):
        private_directory(self.directory)
        return self

    def __exit__(self, *exc_info):
        return False

    def send(self, message: EmailMessage, mail_id: int) -> None:
        """Write ``message`` atomically: a reader never sees half a file.

        ``mkstemp`` creates the file readable by its owner only (0600), and the rename keeps it.
        """
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
        target = self.directory / f"{stamp}-{mail_id}.eml"
        fd, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(message.as_bytes())
        os.replace(temporary, target)


class SmtpBackend:
    """Sends over SMTP, only through TLS, on one connection opened at the first mail."""

    def __init__(self, config):
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self._close()
        return False

    def tls_context(self) -> ssl.SSLContext:
        """Certificate and host name verified, TLS 1.2 or later (what the privacy page says);
        MAIL_CA_FILE replaces the system CAs when set."""
        context = ssl.create_default_context(cafile=self.config.get("MAIL_CA_FILE") or None)
        context.minimum_version = MAIL_TLS_MINIMUM
        return context

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        host, port, timeout = config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_TIMEOUT_S"]
        smtp = None
        try:
            if config["MAIL_SECURITY"] == "tls":
                smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=self.tls_context())
                smtp.ehlo()
            else:
                smtp = smtplib.SMTP(host, port, timeout=timeout)
                smtp.ehlo()
                if not smtp.has_extn("starttls"):
                    raise MailConnectionError(
                        f"{host}:{port} ne propose pas STARTTLS : rien n'est envoyé en clair"
                    )
                smtp.starttls(context=self.tls_context())
                smtp.ehlo()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        except MailConnectionError:
            _quietly_close(smtp)
            raise
        except ssl.SSLCertVerificationError as error:
            _quietly_close(smtp)
            raise MailConnectionError(
                f"certificat de {host}:{port} refusé ({error.verify_message})"
            ) from error
        except (OSError, smtplib.SMTPException) as error:
            _quietly_close(smtp)
            raise MailConnectionError(f"connexion à {host}:{port} impossible : {error}") from error
        return smtp

    def send(self, message: EmailMessage, mail_id: int) -> None:
        """Send ``message``; a broken connection is reopened for the next mail."""
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.send_message(message)
        except smtplib.SMTPServerDisconnected:
            self._smtp = None
            raise

    def _close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                _quietly_close(self._smtp)
            self._smtp = None


def _quietly_close(smtp) -> None:
    if smtp is not None:
        with contextlib.suppress(OSError):
            smtp.close()


def make_backend(config):
    """The backend named by ``MAIL_BACKEND``."""
    return {"smtp": SmtpBackend, "file": FileBackend}[config["MAIL_BACKEND"]](config)


# --- Claiming and recording -----------------------------------------------------------------


def _claimable(now: datetime):
    """Due pending mails, and mails left 'sending' past their lease by a crashed sender."""
    return sa.and_(
        OutboxMail.status.in_((STATUS_PENDING, STATUS_SENDING)),
        OutboxMail.next_attempt_at <= now,
    )


def due_mail_ids(limit: int, ids=None) -> list[int]:
    """Ids of the mails due now, oldest first (``ids`` narrows the search)."""
    query = sa.select(OutboxMail.id).where(_claimable(utcnow()))
    if ids is not None:
        query = query.where(OutboxMail.id.in_(list(ids)))
    query = query.order_by(OutboxMail.next_attempt_at, OutboxMail.id).limit(limit)
    found = list(db.session.scalars(query))
    db.session.commit()  # end the read so each claim starts its own write transaction
    return found


# MariaDB's "deadlock found" and "lock wait timeout": two senders (cron runs that overlap) can
# lock the outbox's rows in opposite orders. The database rolls one back; it is simply retried.
RETRIED_ERRORS = {1213, 1205}
RETRIES = 3


def retried_on_deadlock(write):
    """Run ``write`` (one statement and its commit) again when MariaDB chose it as a deadlock's
    victim; after a rollback, as the database asks."""

    @functools.wraps(write)
    def wrapper(*args, **kwargs):
        for attempt in range(1, RETRIES + 1):
            try:
                return write(*args, **kwargs)
            except sa.exc.OperationalError as error:
                db.session.rollback()
                code = error.orig.args[0] if error.orig is not None and error.orig.args else None
                if code not in RETRIED_ERRORS or attempt == RETRIES:
                    raise
                time.sleep(0.05 * attempt)
        return None

    return wrapper


@retried_on_deadlock
def give_up_interrupted(config) -> int:
    """Mark ``failed`` the mails left 'sending' past their lease with no attempt left."""
    result = db.session.execute(
        sa.update(OutboxMail)
        .where(
            OutboxMail.status == STATUS_SENDING,
            OutboxMail.next_attempt_at <= utcnow(),
            OutboxMail.attempts >= config["MAIL_MAX_ATTEMPTS"],
        )
        .values(status=STATUS_FAILED, last_error="envoi interrompu (dernier essai)", **BLANK_BODIES)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount


@retried_on_deadlock
def claim(mail_id: int, config) -> int | None:
    """Take ``mail_id`` for this sender; its attempt number, or None if another sender has it.

    One conditional UPDATE, committed at once: of two senders racing for the same row, only
    one changes it (the database serialises the writes and re-checks the condition).
    """
    now = utcnow()
    lease_until = now + timedelta(seconds=config["MAIL_SENDING_TIMEOUT_S"])
    result = db.session.execute(
        sa.update(OutboxMail)
        .where(
            OutboxMail.id == mail_id,
            _claimable(now),
            OutboxMail.attempts < config["MAIL_MAX_ATTEMPTS"],
        )
        .values(
            status=STATUS_SENDING,
            attempts=OutboxMail.attempts + 1,
            next_attempt_at=lease_until,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount != 1:
        return None
    return db.session.scalar(sa.select(OutboxMail.attempts).where(OutboxMail.id == mail_id))


def _ours(mail_id: int, attempt: int):
    """The row as this sender claimed it (not taken over since by another sender)."""
    return sa.and_(
        OutboxMail.id == mail_id,
        OutboxMail.status == STATUS_SENDING,
        OutboxMail.attempts == attempt,
    )


@retried_on_deadlock
def record_sent(mail_id: int, attempt: int, message_id: str) -> None:
    """Mark the mail sent, with when and under which Message-ID."""
    db.session.execute(
        sa.update(OutboxMail)
        .where(_ours(mail_id, attempt))
        .values(
            status=STATUS_SENT,
            sent_at=utcnow(),
            message_id=message_id,
            last_error=None,
            **BLANK_BODIES,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


@retried_on_deadlock
def record_failure(mail_id: int, attempt: int, error: str, config) -> str:
    """Back to pending with a back-off, or ``failed`` after the last attempt; the new status."""
    final = attempt >= config["MAIL_MAX_ATTEMPTS"]
    status = STATUS_FAILED if final else STATUS_PENDING
    db.session.execute(
        sa.update(OutboxMail)
        .where(_ours(mail_id, attempt))
        .values(
            status=status,
            last_error=error[:MAX_ERROR_LENGTH],
            next_attempt_at=utcnow() + retry_delay(attempt, config),
            **(BLANK_BODIES if final else {}),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return status


def _load_message(mail_id: int, config) -> EmailMessage:
    mail = db.session.get(OutboxMail, mail_id, populate_existing=True)
    message = build_message(mail, config)
    db.session.commit()
    return message


def deliver_pending(limit: int = 100, ids=None) -> DeliveryReport:
    """Deliver up to ``limit`` due mails (only among ``ids`` when given); what happened.

    Raises :class:`MailConfigError` before touching any row when the settings cannot work.
    A connection error (server unreachable, no STARTTLS, certificate refused, login refused)
    counts as an attempt of the mail at hand and stops the batch; other mails stay pending.
    """
    config = current_app.config
    check_mail_config(config)
    report = DeliveryReport()
    report.failed += give_up_interrupted(config)
    candidates = due_mail_ids(limit, ids)
    if not candidates:
        return report
    with make_backend(config) as backend:
        for mail_id in candidates:
            attempt = claim(mail_id, config)
            if attempt is None:
                continue
            try:
                message = _load_message(mail_id, config)
                backend.send(message, mail_id)
            except MailConnectionError as error:
                _count_failure(report, record_failure(mail_id, attempt, str(error), config))
                report.stopped_by = str(error)
                current_app.logger.warning("mail %s: %s", mail_id, error)
                break
            except Exception as error:  # any failure of one mail is recorded, never lost
                db.session.rollback()
                reason = f"{type(error).__name__}: {error}"
                _count_failure(report, record_failure(mail_id, attempt, reason, config))
                current_app.logger.warning("mail %s: %s", mail_id, reason)
                continue
            record_sent(mail_id, attempt, message["Message-ID"])
            report.sent += 1
    return report


def purge_expired(config, now: datetime | None = None) -> int:
    """Delete the sent and failed mails older than ``MAIL_RETENTION_DAYS``; how many.

    A sent mail counts from ``sent_at``; a failed one from its last attempt
    (``next_attempt_at`` is then at or after it), so that both are kept the same time after
    their sending ended.
    """
    cutoff = (now or utcnow()) - timedelta(days=config["MAIL_RETENTION_DAYS"])
    result = db.session.execute(
        sa.delete(OutboxMail)
        .where(
            sa.or_(
                sa.and_(OutboxMail.status == STATUS_SENT, OutboxMail.sent_at < cutoff),
                sa.and_(OutboxMail.status == STATUS_FAILED, OutboxMail.next_attempt_at < cutoff),
            )
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount


def _count_failure(report: DeliveryReport, status: str) -> None:
    if status == STATUS_FAILED:
        report.failed += 1
    else:
        report.retried += 1
