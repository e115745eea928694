"""What a client asks about their contracts through a ticket (no request objects here).

The ticket form's "Contrat / abonnement" subject names one of the client's running contracts and
may refuse its tacit renewal: the refusal is recorded on the contract, with the ticket it came
from, and the renewal run then ends the contract at its term instead of renewing it.
"""

from __future__ import annotations

import sqlalchemy as sa

from models import db, utcnow
from models.contract import STATUS_ACTIVE, Contract
from services.activity import log_activity
from services.i18n import gettext as _


def running_contracts_of(client_id: int) -> list[Contract]:
    """The client's running contracts, the next deadline first."""
    return db.session.scalars(
        sa.select(Contract)
        .where(Contract.client_id == client_id, Contract.status == STATUS_ACTIVE)
        .order_by(Contract.ends_on, Contract.id)
    ).all()


def non_renewal_problem(contract: Contract | None) -> str | None:
    """Why the renewal of ``contract`` cannot be refused, or ``None``."""
    if contract is None:
        return _("Choisissez le contrat que vous ne souhaitez pas reconduire.")
    if contract.status != STATUS_ACTIVE:
        return _("Ce contrat n'est plus en cours.")
    if not contract.is_tacit:
        return _("Ce contrat n'est pas reconduit automatiquement : il prendra fin à son échéance.")
    return None


def record_non_renewal(contract: Contract, *, ticket_id: int | None, actor=None) -> None:
    """The client refuses the next renewal of ``contract``; the first refusal is kept.

    The caller commits.
    """
    if contract.non_renewal_requested_at is None:
        contract.non_renewal_requested_at = utcnow()
        contract.non_renewal_ticket_id = ticket_id
    log_activity(
        "contract.non_renewal_requested",
        target=contract,
        actor=actor,
        detail={"client": contract.client_id, "ticket": ticket_id},
    )
