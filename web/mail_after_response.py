"""Mails delivered right after the response of the request that committed them.

Only when ``MAIL_SEND_AFTER_COMMIT`` is true; a mail whose delivery fails there stays pending for
``flask --app app mail send`` (cron). Request plumbing: the outbox itself (:mod:`services.mail`)
knows nothing of requests.
"""

from __future__ import annotations

from flask import after_this_request, current_app, g, has_request_context
from sqlalchemy import event

from models import db
from models.mail import OutboxMail
from services.mail_delivery import deliver_pending

_NEW_IDS = "outbox_new_ids"  # session.info key: mails flushed in the current transaction
_AFTER_COMMIT_IDS = "_mail_after_commit_ids"  # g key: mails committed during this request


def init_app(app) -> None:
    """Deliver, after the response, the mails committed during a request.

    Only session events and a per-request callback: no thread or scheduler is started (Passenger
    forks after import). A mail whose delivery fails there stays pending for cron.
    """
    for name, listener in (
        ("after_flush", _remember_new_mails),
        ("after_commit", _schedule_committed_mails),
        ("after_rollback", _forget_new_mails),
    ):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)


def _remember_new_mails(session, flush_context) -> None:
    new_ids = [obj.id for obj in session.new if isinstance(obj, OutboxMail)]
    if new_ids:
        session.info.setdefault(_NEW_IDS, []).extend(new_ids)


def _forget_new_mails(session) -> None:
    session.info.pop(_NEW_IDS, None)


def _schedule_committed_mails(session) -> None:
    new_ids = session.info.pop(_NEW_IDS, None)
    if not new_ids or not has_request_context():
        return
    if not current_app.config.get("MAIL_SEND_AFTER_COMMIT"):
        return
    committed = g.get(_AFTER_COMMIT_IDS)
    if committed is None:
        committed = g.setdefault(_AFTER_COMMIT_IDS, [])
        app = current_app._get_current_object()

        @after_this_request
        def _deliver_on_close(response):
            response.call_on_close(lambda: deliver_after_response(app, committed))
            return response

    committed.extend(new_ids)


def deliver_after_response(app, mail_ids) -> None:
    """Try to deliver ``mail_ids`` now; any failure is logged and left to cron."""
    try:
        with app.app_context():
            try:
                deliver_pending(limit=len(mail_ids), ids=mail_ids)
            finally:
                db.session.remove()
    except Exception:  # the response is gone: nothing to break, cron will retry
        app.logger.exception("envoi après validation impossible ; le cron réessaiera")
