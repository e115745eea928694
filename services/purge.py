"""The retention purge (``flask --app app gdpr purge``, daily): clients whose retention period
(:mod:`services.retention`) is over are erased, after a notice mail; old activity-log entries go.

For each client whose period ends within ``RETENTION_NOTICE_DAYS``:

- not yet told: a notice mail says on which day their data will be erased, and how to keep their
  space (a new intervention or contract moves the end later);
- the end passed, the notice sent at least ``RETENTION_NOTICE_DAYS`` ago, and nothing holds the
  data (no legal hold, no open ticket, no running contract, no unpaid invoice): erased as by an
  erasure request (:func:`services.erasure.erase_client`);
- otherwise they wait, and ``--dry-run`` says why.

Then the activity-log entries older than ``ACTIVITY_LOG_RETENTION_DAYS`` go, and the legal archive
(issued invoices of erased clients) loses what is past ``INVOICE_ARCHIVE_YEARS``.

Each client is handled in its own transaction: one failure is reported and the others go on.
Running it twice the same day does nothing more the second time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import Flask, current_app

from models import db, utcnow
from models.activity import ActivityLog
from models.client import Client
from models.contract import ContractPeriod
from models.invoice import (
    STATUS_DRAFT,
    Invoice,
    InvoiceDownload,
    InvoiceLine,
    InvoiceReminder,
    Payment,
)
from models.retention import LegalHold, RetentionNotice
from services import activity_seal
from services.erasure import BLOCKING_CHECKS, erase_client, remove_stored_file
from services.i18n import gettext as _
from services.i18n import lazy_gettext as _l
from services.mail import mail_url, send_mail
from services.retention import RetentionClock, clocks_running_out, retention_days

NOTICE = "notice"
ERASE = "erase"
WAIT = "wait"
BLOCKED = "blocked"
# Checks of the erasure checklist that keep a client's data past their retention period.
HOLDING_CHECKS = (*BLOCKING_CHECKS, "open_tickets")


@dataclass
class PurgeDecision:
    clock: RetentionClock
    action: str
    reasons: list[str] = field(default_factory=list)
    done: bool = False
    error: str | None = None


def notice_days(config) -> int:
    return int(config["RETENTION_NOTICE_DAYS"])


def active_hold(client_id: int) -> LegalHold | None:
    return db.session.scalar(
        sa.select(LegalHold)
        .where(LegalHold.client_id == client_id, LegalHold.lifted_at.is_(None))
        .order_by(LegalHold.id.desc())
        .limit(1)
    )


def purge_holds(app: Flask, client_id: int) -> list[str]:
    """What keeps ``client_id``'s data past their period: readable reasons (empty: nothing)."""
    reasons = []
    if db.session.scalar(sa.select(Client.restricted_at).where(Client.id == client_id)):
        reasons.append(_("traitement limité (RGPD, article 18)"))
    hold = active_hold(client_id)
    if hold is not None:
        reasons.append(_("conservation légale : %(reason)s", reason=hold.reason))
    checks = app.extensions.get("espace_client_erasure_checks", {})
    for name in HOLDING_CHECKS:
        if name in checks:
            label, count = checks[name](client_id)
            if count:
                reasons.append(f"{label} : {count}")
    return reasons


def _notices(client_ids: list[int]) -> dict[tuple[int, date], datetime]:
    if not client_ids:
        return {}
    rows = db.session.execute(
        sa.select(
            RetentionNotice.client_id, RetentionNotice.ends_on, RetentionNotice.sent_at
        ).where(RetentionNotice.client_id.in_(client_ids))
    ).all()
    return {(client_id, ends_on): sent_at for client_id, ends_on, sent_at in rows}


def decide(
    clock: RetentionClock, today: date, noticed_at: datetime | None, holds: list[str], wait: int
) -> PurgeDecision:
    """What the purge does today with ``clock`` (pure: tested directly)."""
    if noticed_at is None:
        if holds and clock.ends_on <= today:
            return PurgeDecision(clock, BLOCKED, holds)
        return PurgeDecision(clock, NOTICE)
    if clock.ends_on > today:
        return PurgeDecision(
            clock, WAIT, [_("fin de conservation le %(date)s", date=clock.ends_on.isoformat())]
        )
    if holds:
        return PurgeDecision(clock, BLOCKED, holds)
    erase_from = noticed_at.date() + timedelta(days=wait)
    if erase_from > today:
        return PurgeDecision(
            clock, WAIT, [_("avis envoyé le %(date)s", date=noticed_at.date().isoformat())]
        )
    return PurgeDecision(clock, ERASE)


def plan_purge(app: Flask, today: date) -> list[PurgeDecision]:
    """What the purge would do today, client by client, soonest end first."""
    wait = notice_days(app.config)
    clocks = clocks_running_out(db.session, today, wait)
    notices = _notices([clock.client_id for clock in clocks])
    return [
        decide(
            clock,
            today,
            notices.get((clock.client_id, clock.ends_on)),
            purge_holds(app, clock.client_id),
            wait,
        )
        for clock in clocks
    ]


def send_retention_notice(clock: RetentionClock) -> None:
    """Tell the client when their data go, and record it; the caller commits."""
    client = db.session.get(Client, clock.client_id)
    user = client.user if client else None
    if user is not None and user.is_enabled:
        send_mail(
            user.email,
            "retention_notice",
            _l("Vos données seront bientôt supprimées"),
            locale=user.locale,
            ends_on=clock.ends_on,
            days=retention_days(current_app.config),
            link=mail_url("gdpr.account_privacy"),
        )
    db.session.add(RetentionNotice(client_id=clock.client_id, ends_on=clock.ends_on))


def run_purge(app: Flask, today: date) -> list[PurgeDecision]:
    """Send the notices and erase the clients due; each client in its own transaction."""
    decisions = plan_purge(app, today)
    for decision in decisions:
        try:
            if decision.action == NOTICE:
                send_retention_notice(decision.clock)
                db.session.commit()
                decision.done = True
            elif decision.action == ERASE:
                erase_client(decision.clock.client_id)
                decision.done = True
        except Exception as error:  # one client's failure must not stop the others
            db.session.rollback()
            decision.error = f"{type(error).__name__}: {error}"
            app.logger.exception("Purge : échec pour le client %s", decision.clock.client_id)
    return decisions


def purge_activity_log(app: Flask, now: datetime | None = None) -> int:
    """Delete the sealed activity entries older than ``ACTIVITY_LOG_RETENTION_DAYS``.

    The chain is anchored first at the oldest entry kept (``activity_seal.record_purge``), so
    that ``flask --app app activity verify`` still checks what remains. Returns how many went.
    """
    now = now or utcnow()
    cutoff = now - timedelta(days=int(app.config["ACTIVITY_LOG_RETENTION_DAYS"]))
    first_kept = db.session.scalar(
        sa.select(sa.func.min(ActivityLog.seal_seq)).where(
            ActivityLog.created_at >= cutoff, ActivityLog.seal_seq.is_not(None)
        )
    )
    if first_kept is None:  # nothing recent to anchor the chain on: keep everything
        return 0
    old = sa.and_(ActivityLog.seal_seq.is_not(None), ActivityLog.seal_seq < first_kept)
    if not db.session.scalar(sa.select(sa.func.count()).where(old)):
        return 0
    activity_seal.record_purge(first_kept)
    deleted = db.session.execute(
        sa.delete(ActivityLog).where(old), execution_options={"synchronize_session": False}
    ).rowcount
    db.session.commit()
    return deleted


ARCHIVE_BATCH = 200


def archive_cutoff(today: date, years: int) -> date:
    """Archived invoices issued before this date are past their legal keeping: one issued in
    year Y is kept until the end of year Y + ``years`` (the ten years of L123-22 run from the
    closing of the fiscal year, the calendar year of a small company)."""
    return date(today.year - years, 1, 1)


def _archived_due(cutoff: date):
    return sa.and_(
        Invoice.client_id.is_(None),
        Invoice.status != STATUS_DRAFT,
        Invoice.issued_on < cutoff,
    )


def count_invoice_archive_due(app: Flask, today: date) -> int:
    """How many archived invoices (of erased clients) are past ``INVOICE_ARCHIVE_YEARS``."""
    cutoff = archive_cutoff(today, int(app.config["INVOICE_ARCHIVE_YEARS"]))
    return db.session.scalar(sa.select(sa.func.count()).where(_archived_due(cutoff))) or 0


def purge_invoice_archive(app: Flask, today: date) -> int:
    """Destroy the archived invoices past their legal keeping, with their lines, payments and
    PDF; by batches, each its own transaction, the files removed once it is committed.

    Only the archive is concerned: an invoice still attached to a client follows the client's
    retention. Returns how many invoices went.
    """
    cutoff = archive_cutoff(today, int(app.config["INVOICE_ARCHIVE_YEARS"]))
    plain = {"synchronize_session": False}
    destroyed = 0
    while True:
        rows = db.session.execute(
            sa.select(Invoice.id, Invoice.pdf_stored_name)
            .where(_archived_due(cutoff))
            .order_by(Invoice.id)
            .limit(ARCHIVE_BATCH)
        ).all()
        if not rows:
            return destroyed
        ids = [row.id for row in rows]
        db.session.execute(
            sa.delete(Payment).where(Payment.invoice_id.in_(ids)), execution_options=plain
        )
        for table in (InvoiceLine, InvoiceDownload, InvoiceReminder):
            db.session.execute(
                sa.delete(table).where(table.invoice_id.in_(ids)), execution_options=plain
            )
        db.session.execute(
            sa.update(Invoice).where(Invoice.corrects_id.in_(ids)).values(corrects_id=None),
            execution_options=plain,
        )
        db.session.execute(
            sa.update(ContractPeriod)
            .where(ContractPeriod.invoice_id.in_(ids))
            .values(invoice_id=None),
            execution_options=plain,
        )
        db.session.execute(sa.delete(Invoice).where(Invoice.id.in_(ids)), execution_options=plain)
        db.session.commit()
        destroyed += len(ids)
        for row in rows:
            if row.pdf_stored_name:
                remove_stored_file(row.pdf_stored_name)


def truncate_activity_ips(app: Flask, now: datetime | None = None) -> int:
    """Cut the addresses of activity entries older than ``ACTIVITY_LOG_IP_TRUNCATE_DAYS`` to
    their network part (:func:`services.activity_seal.ip_network`); returns how many.

    Only entries sealed with the digest of their address (``ip_mac``) are cut, so the seal chain
    still verifies; older ones keep theirs until the purge deletes them. By batches, each
    committed.
    """
    now = now or utcnow()
    cutoff = now - timedelta(days=int(app.config["ACTIVITY_LOG_IP_TRUNCATE_DAYS"]))
    cut = 0
    after_id = 0
    while True:
        rows = db.session.execute(
            sa.select(ActivityLog.id, ActivityLog.ip)
            .where(
                ActivityLog.id > after_id,
                ActivityLog.created_at < cutoff,
                ActivityLog.ip_mac.is_not(None),
                ActivityLog.ip.is_not(None),
                # Already cut: an IPv4 network ends in ".0", an IPv6 /48 in "::".
                ActivityLog.ip.not_like("%.0"),
                ActivityLog.ip.not_like("%::"),
            )
            .order_by(ActivityLog.id)
            .limit(ARCHIVE_BATCH)
        ).all()
        if not rows:
            return cut
        changes = [
            {"id": row.id, "ip": activity_seal.ip_network(row.ip)}
            for row in rows
            if activity_seal.ip_network(row.ip) != row.ip
        ]
        if changes:
            db.session.execute(sa.update(ActivityLog), changes)
        db.session.commit()
        cut += len(changes)
        after_id = rows[-1].id
