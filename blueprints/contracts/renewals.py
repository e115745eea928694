"""Acts on contracts: creating, renewing, ending, and the reminder mails of contracts and licences.

The caller commits; nothing here reads the request. The cron commands (``contracts remind``,
``contracts renew``) may run twice at once or again the same day: each reminder is a row under a
unique constraint, written in a savepoint before its mail, and a renewal moves the contract's end
by a conditional UPDATE, so that a second run finds the work done and does nothing.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from blueprints.contracts import rules
from models import db, utcnow
from models.client import Client
from models.contract import (
    REMINDER_CONSUMER_NOTICE,
    REMINDER_DEADLINE,
    STATUS_ACTIVE,
    STATUS_CANCELLED,
    STATUS_ENDED,
    SUBJECT_CONTRACT,
    SUBJECT_LICENCE,
    Contract,
    ContractPeriod,
    RenewalReminder,
)
from models.device import Licence
from models.invoice import KIND_INVOICE, STATUS_DRAFT, Invoice, InvoiceLine
from services.activity import log_activity
from services.i18n import lazy_gettext as _l
from services.mail import mail_url, send_mail


def create_contract(client: Client, values: dict, actor) -> Contract:
    """A running contract of ``client`` with its first period; ``values`` passed the rules."""
    contract = Contract(client_id=client.id, created_by_id=getattr(actor, "id", None), **values)
    contract.ends_on = rules.period_end(contract.starts_on, contract.term_months)
    contract.status = STATUS_ACTIVE
    contract.periods = [ContractPeriod(starts_on=contract.starts_on, ends_on=contract.ends_on)]
    db.session.add(contract)
    db.session.flush()
    log_activity("contract.created", target=contract, detail={"client": client.id})
    return contract


def update_contract(contract: Contract, values: dict, actor) -> None:
    """New terms for ``contract``; they apply from its next renewal (its dates stay)."""
    for name, value in values.items():
        if name != "starts_on":
            setattr(contract, name, value)
    log_activity("contract.updated", target=contract, detail={"client": contract.client_id})


def draft_invoice_of_period(contract: Contract, period: ContractPeriod, actor) -> Invoice:
    """A draft invoice of one period of ``contract``, for an admin to check and issue."""
    periods = rules.periods_per_term(contract)
    invoice = Invoice(
        client_id=contract.client_id,
        kind=KIND_INVOICE,
        status=STATUS_DRAFT,
        service_date=period.starts_on,
        note=str(
            _l(
                "Contrat « %(title)s », période du %(start)s au %(end)s.",
                title=contract.title,
                start=f"{period.starts_on:%d/%m/%Y}",
                end=f"{period.ends_on:%d/%m/%Y}",
            )
        ),
        created_by_id=getattr(actor, "id", None),
    )
    invoice.lines = [
        InvoiceLine(
            position=1,
            description=f"{contract.kind_label} : {contract.title} "
            f"({period.starts_on:%d/%m/%Y} – {period.ends_on:%d/%m/%Y})",
            quantity_thousandths=periods * 1000,
            unit_price_cents=contract.price_cents,
            vat_rate_bp=contract.vat_rate_bp,
            discount_bp=0,
        )
    ]
    db.session.add(invoice)
    db.session.flush()
    period.invoice_id = invoice.id
    return invoice


def renew(contract: Contract, actor=None) -> ContractPeriod | None:
    """Add the next period of ``contract`` and its draft invoice; ``None`` if already done.

    The contract's end moves only if it is still the one read: a renewal made meanwhile by
    another run wins and this one does nothing.
    """
    old_end = contract.ends_on
    starts_on = old_end + timedelta(days=1)
    ends_on = rules.period_end(starts_on, contract.term_months)
    moved = db.session.execute(
        sa.update(Contract)
        .where(
            Contract.id == contract.id,
            Contract.ends_on == old_end,
            Contract.status == STATUS_ACTIVE,
        )
        .values(ends_on=ends_on, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        db.session.expire(contract)
        return None
    db.session.expire(contract, ["ends_on", "updated_at"])
    period = ContractPeriod(contract_id=contract.id, starts_on=starts_on, ends_on=ends_on)
    db.session.add(period)
    db.session.flush()
    invoice = draft_invoice_of_period(contract, period, actor)
    log_activity(
        "contract.renewed",
        target=contract,
        actor=actor,
        detail={"client": contract.client_id, "until": ends_on.isoformat(), "invoice": invoice.id},
    )
    return period


def end_contract(contract: Contract, *, status: str = STATUS_ENDED, actor=None) -> None:
    """End ``contract`` (at its term, or cancelled by an admin: ``STATUS_CANCELLED``)."""
    if status not in (STATUS_ENDED, STATUS_CANCELLED):
        raise ValueError(f"not an end status: {status!r}")
    contract.status = status
    contract.ended_at = utcnow()
    log_activity(
        "contract.cancelled" if status == STATUS_CANCELLED else "contract.ended",
        target=contract,
        actor=actor,
        detail={"client": contract.client_id},
    )


def withdraw_non_renewal(contract: Contract, actor) -> None:
    """An admin clears a refusal (the client changed their mind)."""
    contract.non_renewal_requested_at = None
    contract.non_renewal_ticket_id = None
    log_activity(
        "contract.non_renewal_withdrawn", target=contract, detail={"client": contract.client_id}
    )


def run_renewals(today: date) -> tuple[int, int]:
    """Renew or end every running contract whose period is over; (renewed, ended).

    A tacit contract that was not refused renews (as many periods as it missed); any other
    ends. The caller commits.
    """
    renewed = ended = 0
    for contract in db.session.scalars(rules.due_for_renewal_query(today)).all():
        if contract.is_tacit and contract.non_renewal_requested_at is None:
            while contract.status == STATUS_ACTIVE and contract.ends_on < today:
                if renew(contract) is None:
                    break
                renewed += 1
        else:
            end_contract(contract)
            ended += 1
    return renewed, ended


# ---------------------------------------------------------------- reminders


def _claim(subject: str, subject_id: int, client_id: int, deadline: date, kind: str, step: int):
    """Record a reminder unless another run did; whether this run is the one to send it."""
    try:
        with db.session.begin_nested():
            db.session.add(
                RenewalReminder(
                    subject=subject,
                    subject_id=subject_id,
                    client_id=client_id,
                    deadline=deadline,
                    kind=kind,
                    step=step,
                )
            )
    except IntegrityError:
        return False
    return True


def _sent_steps(subject: str, ids: list[int]) -> dict[tuple[int, date, str], list[int]]:
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(
            RenewalReminder.subject_id,
            RenewalReminder.deadline,
            RenewalReminder.kind,
            RenewalReminder.step,
        ).where(RenewalReminder.subject == subject, RenewalReminder.subject_id.in_(ids))
    ).all()
    sent: dict[tuple[int, date, str], list[int]] = {}
    for subject_id, deadline, kind, step in rows:
        sent.setdefault((subject_id, deadline, kind), []).append(step)
    return sent


def reminder_steps() -> list[int]:
    return sorted(int(step) for step in current_app.config.get("CONTRACT_REMINDER_DAYS") or ())


def send_contract_reminders(today: date) -> int:
    """Mail each running contract's reminder due today, and the L215-1 notices; how many.

    The consumer notice goes to private clients on tacitly renewed contracts from three months
    before their refusal deadline; its date is kept (:class:`RenewalReminder`).
    """
    steps = reminder_steps()
    horizon = max([*steps, 0]) + 31 * 4  # the notice window opens ~3 months before the deadline
    contracts = db.session.scalars(
        rules.reminder_candidates_query(today, horizon).options(
            selectinload(Contract.client).selectinload(Client.user)
        )
    ).all()
    sent = _sent_steps(SUBJECT_CONTRACT, [contract.id for contract in contracts])
    count = 0
    for contract in contracts:
        user = contract.client.user
        if user is None or not user.email:
            continue
        if rules.consumer_notice_due(contract, contract.client.category, today):
            deadline = rules.refusal_deadline(contract)
            if not sent.get((contract.id, deadline, REMINDER_CONSUMER_NOTICE)) and _claim(
                SUBJECT_CONTRACT,
                contract.id,
                contract.client_id,
                deadline,
                REMINDER_CONSUMER_NOTICE,
                0,
            ):
                _mail_contract(contract, user, "contract_consumer_notice", deadline)
                count += 1
        step = rules.reminder_step_due(
            (contract.ends_on - today).days,
            steps,
            sent.get((contract.id, contract.ends_on, REMINDER_DEADLINE), ()),
        )
        if step is not None and _claim(
            SUBJECT_CONTRACT,
            contract.id,
            contract.client_id,
            contract.ends_on,
            REMINDER_DEADLINE,
            step,
        ):
            _mail_contract(contract, user, "contract_reminder", rules.refusal_deadline(contract))
            count += 1
    return count


def _mail_contract(contract: Contract, user, template: str, deadline: date) -> None:
    title = contract.title
    if template == "contract_consumer_notice":
        subject = _l(
            "Votre contrat « %(title)s » : vous pouvez refuser sa reconduction", title=title
        )
    elif contract.is_tacit and contract.non_renewal_requested_at is None:
        subject = _l("Votre contrat « %(title)s » sera reconduit prochainement", title=title)
    else:
        subject = _l("Votre contrat « %(title)s » arrive à échéance", title=title)
    send_mail(
        user.email,
        template,
        subject,
        locale=getattr(user, "locale", None),
        title=contract.title,
        ends_on=contract.ends_on,
        deadline=deadline,
        renews=contract.is_tacit and contract.non_renewal_requested_at is None,
        contract_url=mail_url("contracts.account_contract", contract_id=contract.id),
        refuse_url=mail_url(
            "tickets.new_ticket", subject="contract", contract=contract.id, non_renewal=1
        ),
    )
    log_activity(
        f"contract.{template.removeprefix('contract_')}_sent",
        target=contract,
        detail={"client": contract.client_id, "deadline": deadline.isoformat()},
    )


def send_licence_reminders(today: date) -> int:
    """Mail the client of each licence that expires soon, once per step; how many."""
    steps = reminder_steps()
    if not steps:
        return 0
    licences = db.session.scalars(
        rules.licences_expiring_query(today, max(steps)).options(
            selectinload(Licence.client).selectinload(Client.user)
        )
    ).all()
    sent = _sent_steps(SUBJECT_LICENCE, [licence.id for licence in licences])
    count = 0
    for licence in licences:
        user = licence.client.user if licence.client else None
        if user is None or not user.email:
            continue
        step = rules.reminder_step_due(
            (licence.expires_on - today).days,
            steps,
            sent.get((licence.id, licence.expires_on, REMINDER_DEADLINE), ()),
        )
        if step is None or not _claim(
            SUBJECT_LICENCE,
            licence.id,
            licence.client_id,
            licence.expires_on,
            REMINDER_DEADLINE,
            step,
        ):
            continue
        send_mail(
            user.email,
            "licence_reminder",
            _l("Votre licence « %(title)s » expire bientôt", title=licence.product),
            locale=getattr(user, "locale", None),
            product=licence.product,
            expires_on=licence.expires_on,
            licences_url=mail_url("devices.account_licences"),
        )
        log_activity(
            "licence.reminder_sent",
            target=licence,
            detail={"client": licence.client_id, "expires_on": licence.expires_on.isoformat()},
        )
        count += 1
    return count
