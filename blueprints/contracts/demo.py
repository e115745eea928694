"""Demo contracts: a maintenance contract renewing soon, a yearly hosting, an ended licence."""

from __future__ import annotations

from datetime import timedelta

from blueprints.contracts import rules
from blueprints.contracts.renewals import create_contract, end_contract
from models.contract import RENEWAL_ON_REQUEST, RENEWAL_TACIT
from services.dates import company_today

# (client index, kind, title, months ago started, term, billing, price cents, renewal)
DEMO_CONTRACTS = [
    (0, "maintenance", "Maintenance du poste familial", 11, 12, 1, 1990, RENEWAL_TACIT),
    (1, "assistance", "Assistance informatique illimitée", 5, 12, 3, 15000, RENEWAL_TACIT),
    (1, "hosting", "Hébergement du site vitrine", 2, 12, 12, 12000, RENEWAL_ON_REQUEST),
    (1, "licence", "Suite bureautique (5 postes)", 26, 12, 12, 39900, RENEWAL_ON_REQUEST),
]


def add_demo_contracts(admin, clients) -> None:
    """Contracts of the first two demo clients; the last one already ended."""
    today = company_today()
    for index, kind, title, months_ago, term, billing, price, renewal in DEMO_CONTRACTS:
        if index >= len(clients):
            continue
        contract = create_contract(
            clients[index],
            {
                "kind": kind,
                "title": title,
                "starts_on": rules.add_months(today, -months_ago) + timedelta(days=3),
                "term_months": term,
                "billing_months": billing,
                "price_cents": price,
                "vat_rate_bp": 2000,
                "renewal": renewal,
                "notice_days": 30,
                "notes": None,
            },
            admin,
        )
        if contract.ends_on < today:
            end_contract(contract, actor=admin)
