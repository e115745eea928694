"""Sending newsletters: only to clients who consent, in batches through the outbox.

- :func:`send_test` mails the newsletter to its author; a newsletter is sent only once tested
  since its last edit (:func:`sending_problem`).
- :func:`start_sending` fixes the recipients: the clients who consent at that moment, whose
  address is verified and account enabled, and whose processing is not restricted.
- :func:`send_batch` mails the next deliveries (``NEWSLETTER_BATCH_SIZE``), checking consent and
  restriction again for each; ``flask --app app newsletters send`` runs the batches (cron).
- :func:`stop_deliveries`: a withdrawal drops the client's deliveries not yet in the outbox and
  the outbox mails not yet sent.

The caller commits, except :func:`send_batch` and :func:`send_all_pending`, which commit each
batch so that a long sending keeps its progress.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from models import db, utcnow
from models.client import Client
from models.mail import STATUS_PENDING as MAIL_PENDING
from models.mail import OutboxMail
from models.newsletter import (
    DELIVERY_PENDING,
    DELIVERY_QUEUED,
    DELIVERY_SKIPPED,
    DELIVERY_STATUSES,
    DELIVERY_WITHDRAWN,
    STATUS_DRAFT,
    STATUS_SENDING,
    STATUS_SENT,
    Newsletter,
    NewsletterDelivery,
)
from models.user import User
from services.activity import log_activity
from services.consent import unsubscribe_token
from services.i18n import lazy_gettext as _l
from services.mail import mail_url, send_mail

TEMPLATE = "newsletter"


def recipients_query() -> sa.Select:
    """The ids of the clients a newsletter may go to now."""
    return (
        sa.select(Client.id)
        .join(User, User.id == Client.user_id)
        .where(
            Client.newsletter_consent.is_(True),
            Client.restricted_at.is_(None),
            User.email_verified_at.is_not(None),
            User.is_enabled.is_(True),
        )
    )


def count_recipients() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(recipients_query().subquery()))


def sending_problem(newsletter: Newsletter) -> str | None:
    """Why ``newsletter`` cannot be sent now, or None."""
    if newsletter.status != STATUS_DRAFT:
        return _l("Cette lettre a déjà été envoyée.")
    if not newsletter.tested_since_edit:
        return _l("Envoyez-vous d'abord un test de cette version de la lettre.")
    if count_recipients() == 0:
        return _l("Aucun client n'a demandé à recevoir la lettre d'information.")
    return None


def editing_problem(newsletter: Newsletter) -> str | None:
    if newsletter.status != STATUS_DRAFT:
        return _l("Une lettre envoyée ne se modifie plus.")
    return None


def _queue(newsletter: Newsletter, to: str, locale: str | None, unsubscribe_url: str | None):
    return send_mail(
        to,
        TEMPLATE,
        newsletter.subject,
        locale=locale,
        list_unsubscribe=unsubscribe_url,
        body_html=newsletter.body_html,
        body_text=newsletter.body_text,
        unsubscribe_url=unsubscribe_url,
    )


def send_test(newsletter: Newsletter, admin: User) -> None:
    """Mail the newsletter to ``admin`` as a client would get it (without a real unsubscribe
    link); the caller commits."""
    _queue(newsletter, admin.email, admin.locale, None)
    newsletter.tested_at = utcnow()
    log_activity("newsletter.tested", target=newsletter)


def start_sending(newsletter: Newsletter) -> int:
    """Fix the recipients (one pending delivery each) and mark the newsletter as sending."""
    ids = list(db.session.scalars(recipients_query()))
    db.session.execute(
        sa.insert(NewsletterDelivery),
        [{"newsletter_id": newsletter.id, "client_id": client_id} for client_id in ids],
    )
    newsletter.status = STATUS_SENDING
    newsletter.sending_started_at = utcnow()
    newsletter.recipients_count = len(ids)
    log_activity("newsletter.sending", target=newsletter, detail={"recipients": len(ids)})
    return len(ids)


def batch_size() -> int:
    return int(current_app.config["NEWSLETTER_BATCH_SIZE"])


def send_batch(newsletter: Newsletter) -> int:
    """Mail the next batch of pending deliveries, then commit; returns how many were handled.
    Once none is left, the newsletter is sent."""
    rows = db.session.execute(
        sa.select(NewsletterDelivery, Client, User)
        .join(Client, Client.id == NewsletterDelivery.client_id)
        .join(User, User.id == Client.user_id, isouter=True)
        .where(
            NewsletterDelivery.newsletter_id == newsletter.id,
            NewsletterDelivery.status == DELIVERY_PENDING,
        )
        .order_by(NewsletterDelivery.id)
        .limit(batch_size())
    ).all()
    for delivery, client, user in rows:
        if not client.newsletter_consent:
            delivery.status = DELIVERY_WITHDRAWN
        elif client.restricted_at is not None or user is None or not user.is_enabled:
            delivery.status = DELIVERY_SKIPPED
        else:
            url = mail_url("gdpr.unsubscribe_newsletter", token=unsubscribe_token(client))
            mail = _queue(newsletter, user.email, user.locale, url)
            if mail is None:  # stopped by a restriction placed meanwhile
                delivery.status = DELIVERY_SKIPPED
            else:
                db.session.flush()
                delivery.status = DELIVERY_QUEUED
                delivery.mail_id = mail.id
    if len(rows) < batch_size() and newsletter.status == STATUS_SENDING:
        newsletter.status = STATUS_SENT
        newsletter.sent_at = utcnow()
        log_activity("newsletter.sent", target=newsletter, detail=progress(newsletter))
    db.session.commit()
    return len(rows)


def send_all_pending(max_batches: int | None = None) -> int:
    """Run the batches of every newsletter being sent; returns how many deliveries went."""
    handled = 0
    batches = 0
    while max_batches is None or batches < max_batches:
        newsletter = db.session.scalars(
            sa.select(Newsletter).where(Newsletter.status == STATUS_SENDING).order_by(Newsletter.id)
        ).first()
        if newsletter is None:
            break
        handled += send_batch(newsletter)
        batches += 1
    return handled


def progress(newsletter: Newsletter) -> dict[str, int]:
    """How many deliveries are in each status."""
    counts = dict(
        db.session.execute(
            sa.select(NewsletterDelivery.status, sa.func.count())
            .where(NewsletterDelivery.newsletter_id == newsletter.id)
            .group_by(NewsletterDelivery.status)
        ).all()
    )
    return {status: counts.get(status, 0) for status in DELIVERY_STATUSES}


def stop_deliveries(client: Client) -> int:
    """The client withdrew: nothing more goes to them. Their pending deliveries are withdrawn,
    and newsletter mails still waiting in the outbox are dropped. Returns how many stopped."""
    waiting_mails = sa.select(OutboxMail.id).where(
        OutboxMail.template == TEMPLATE, OutboxMail.status == MAIL_PENDING
    )
    stopped = db.session.execute(
        sa.update(NewsletterDelivery)
        .where(
            NewsletterDelivery.client_id == client.id,
            sa.or_(
                NewsletterDelivery.status == DELIVERY_PENDING,
                sa.and_(
                    NewsletterDelivery.status == DELIVERY_QUEUED,
                    NewsletterDelivery.mail_id.in_(waiting_mails),
                ),
            ),
        )
        .values(status=DELIVERY_WITHDRAWN, updated_at=utcnow()),
        execution_options={"synchronize_session": False},
    ).rowcount
    mail_ids = list(
        db.session.scalars(
            sa.select(NewsletterDelivery.mail_id).where(
                NewsletterDelivery.client_id == client.id,
                NewsletterDelivery.mail_id.in_(waiting_mails),
            )
        )
    )
    if mail_ids:
        db.session.execute(
            sa.delete(OutboxMail).where(OutboxMail.id.in_(mail_ids)),
            execution_options={"synchronize_session": False},
        )
    return stopped
