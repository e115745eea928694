"""Rules of contracts: periods, deadlines, reminders, the consumer's notice (no request here).

Dates are the company's calendar days. A period of ``term_months`` started on ``starts_on`` ends
the day before the same date ``term_months`` later (1 March + 12 months: the last day is the next
28 or 29 February). A tacitly renewed contract may be refused until its *refusal deadline*,
``notice_days`` before its end.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date, timedelta

import sqlalchemy as sa

from models.client import CATEGORY_INDIVIDUAL
from models.contract import (
    BILLING_PERIODS,
    KINDS,
    RENEWAL_TACIT,
    RENEWALS,
    STATUS_ACTIVE,
    STATUS_CANCELLED,
    Contract,
)
from models.device import Licence
from models.invoice import VAT_RATES
from services.i18n import gettext as _
from services.retention import day_of

MAX_TERM_MONTHS = 120
MAX_PRICE_CENTS = 10_000_000_00


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` (negative: back); the month's last day when it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_end(starts_on: date, term_months: int) -> date:
    """The last day of a period of ``term_months`` that starts on ``starts_on``."""
    return add_months(starts_on, term_months) - timedelta(days=1)


def refusal_deadline(contract: Contract) -> date:
    """The last day the client may refuse a tacit renewal: ``notice_days`` before the end."""
    return contract.ends_on - timedelta(days=contract.notice_days)


def consumer_notice_window(contract: Contract) -> tuple[date, date]:
    """When the L215-1 notice is due: from three months to one month before the deadline.

    Code de la consommation, article L215-1: a consumer on a tacitly renewed contract is told in
    writing, at the earliest three months and at the latest one month before the end of the
    period in which they may refuse the renewal, that they may refuse it.
    """
    deadline = refusal_deadline(contract)
    return add_months(deadline, -3), add_months(deadline, -1)


def needs_consumer_notice(contract: Contract, client_category: str) -> bool:
    """A private client's running contract that renews by itself, and not refused yet."""
    return (
        client_category == CATEGORY_INDIVIDUAL
        and contract.renewal == RENEWAL_TACIT
        and contract.status == STATUS_ACTIVE
        and contract.non_renewal_requested_at is None
    )


def consumer_notice_due(contract: Contract, client_category: str, today: date) -> bool:
    """Whether the L215-1 notice must go out today (once the window opened, until the end)."""
    if not needs_consumer_notice(contract, client_category):
        return False
    opens, _closes = consumer_notice_window(contract)
    return opens <= today <= contract.ends_on


def reminder_step_due(days_left: int, steps: Iterable[int], sent: Iterable[int]) -> int | None:
    """The reminder to send ``days_left`` days before a deadline, or ``None``.

    ``steps`` are days before the deadline (60, 30, 7). The step reached last is due unless it,
    or a later one, was sent: a command that did not run for a while sends one mail, not each
    step it missed.
    """
    if days_left < 0:
        return None
    reached = [step for step in steps if days_left <= step]
    if not reached:
        return None
    step = min(reached)
    if any(done <= step for done in sent):
        return None
    return step


def periods_per_term(contract: Contract) -> int:
    """How many billing periods one term holds (12 months billed monthly: 12)."""
    return max(1, contract.term_months // max(1, contract.billing_months))


def term_price_cents(contract: Contract) -> int:
    """The price of one term, excluding VAT."""
    return contract.price_cents * periods_per_term(contract)


def contract_problem(
    *,
    kind: str,
    starts_on: date | None,
    term_months: int | None,
    billing_months: int | None,
    price_cents: int | None,
    vat_rate_bp: int | None,
    renewal: str,
    notice_days: int | None,
) -> str | None:
    """Why these terms cannot make a contract, or ``None``."""
    if kind not in KINDS:
        return _("Choisissez le type de contrat.")
    if renewal not in RENEWALS:
        return _("Choisissez le mode de renouvellement.")
    if starts_on is None:
        return _("Indiquez la date de début.")
    if not term_months or not 1 <= term_months <= MAX_TERM_MONTHS:
        return _("La durée doit être comprise entre 1 et %(max)d mois.", max=MAX_TERM_MONTHS)
    if billing_months not in BILLING_PERIODS:
        return _("Choisissez la périodicité de facturation.")
    if billing_months > term_months or term_months % billing_months:
        return _("La durée du contrat doit être un multiple de la périodicité de facturation.")
    if price_cents is None or not 0 <= price_cents <= MAX_PRICE_CENTS:
        return _("Indiquez un prix positif.")
    if vat_rate_bp not in VAT_RATES:
        return _("Choisissez un taux de TVA.")
    if notice_days is None or notice_days < 0:
        return _("Le préavis ne peut pas être négatif.")
    term_days = (period_end(starts_on, term_months) - starts_on).days + 1
    if notice_days >= term_days:
        return _("Le préavis doit être plus court que la durée du contrat.")
    return None


# ---------------------------------------------------------------- queries


def renewing_within_query(today: date, days: int) -> sa.Select:
    """Running contracts that end or renew within ``days`` days (overdue ones included)."""
    return sa.select(Contract).where(
        Contract.status == STATUS_ACTIVE, Contract.ends_on <= today + timedelta(days=days)
    )


def due_for_renewal_query(today: date) -> sa.Select:
    """Running contracts whose current period is over: to renew or to end."""
    return sa.select(Contract).where(Contract.status == STATUS_ACTIVE, Contract.ends_on < today)


def reminder_candidates_query(today: date, horizon_days: int) -> sa.Select:
    """Running contracts whose end is between today and ``horizon_days`` from now."""
    return sa.select(Contract).where(
        Contract.status == STATUS_ACTIVE,
        Contract.ends_on >= today,
        Contract.ends_on <= today + timedelta(days=horizon_days),
    )


def licences_expiring_query(today: date, horizon_days: int) -> sa.Select:
    """Licences of client spaces that expire between today and ``horizon_days`` from now."""
    return sa.select(Licence).where(
        Licence.expires_on.is_not(None),
        Licence.expires_on >= today,
        Licence.expires_on <= today + timedelta(days=horizon_days),
    )


def latest_end_of_contracts(client_id: int) -> sa.Select:
    """The latest end date of the client's contracts (the retention clock starts after it)."""
    return sa.select(sa.func.max(Contract.ends_on)).where(Contract.client_id == client_id)


def running_contracts_count(client_id: int) -> sa.Select:
    """How many of the client's contracts still run."""
    return sa.select(sa.func.count()).where(
        Contract.client_id == client_id, Contract.status == STATUS_ACTIVE
    )


def running_contracts_check(client_id: int) -> tuple[str, int]:
    """For the erasure checklist: the client's contracts still running."""
    from models import db

    return _("Contrats encore en cours"), db.session.scalar(running_contracts_count(client_id))


def contract_ends() -> sa.Select:
    """End of validity of every contract, for the retention clock: the end of its last period,
    or the day it was cancelled (a running contract gives its planned end)."""
    return sa.select(
        Contract.client_id,
        sa.case(
            (
                sa.and_(Contract.status == STATUS_CANCELLED, Contract.ended_at.is_not(None)),
                day_of(Contract.ended_at),
            ),
            else_=Contract.ends_on,
        ),
    )
