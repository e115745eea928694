"""``flask --app app contracts remind`` and ``contracts renew``, as cron runs them: each reminder
and each L215-1 notice once, renewals that add one period and one draft invoice, ends that end."""

from datetime import date

import pytest
import sqlalchemy as sa
import time_machine

from models import db
from models.contract import Contract, ContractPeriod, RenewalReminder
from models.device import Licence
from models.invoice import Invoice
from tests.fixtures.contracts import load_contract, make_contract, periods_of
from tests.fixtures.database import count_rows
from tests.fixtures.invoices import PROFESSIONAL, client_of
from tests.fixtures.mail import outbox_for

pytestmark = pytest.mark.settings(CONTRACT_REMINDER_DAYS=[60, 30, 7])

# Started 1 January 2026, one year, 30 days' notice: ends 31 December, refused until 1 December;
# the L215-1 window runs from 1 September to 1 November.


def run(runner, command: str, day: str) -> str:
    with time_machine.travel(f"{day} 08:00:00+01:00", tick=False):
        result = runner.invoke(args=["contracts", command])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def private(app, auth):
    client_id = client_of(app, auth.create_client())
    return client_id, make_contract(app, client_id)


@pytest.fixture
def company(app, auth):
    client_id = client_of(app, auth.create_client(email="pro@example.fr", **PROFESSIONAL))
    return client_id, make_contract(app, client_id)


def subjects(app, email: str) -> list[str]:
    return [mail.subject for mail in outbox_for(app, email)]


def test_the_consumer_notice_goes_once_when_its_window_opens(app, runner, private):
    run(runner, "remind", "2026-08-31")
    assert subjects(app, "client@example.fr") == []
    assert "1 rappel(s) de contrat" in run(runner, "remind", "2026-09-01")
    run(runner, "remind", "2026-09-01")
    run(runner, "remind", "2026-09-15")
    mails = outbox_for(app, "client@example.fr")
    assert len(mails) == 1
    assert "refuser sa reconduction" in mails[0].subject
    assert "L215-1" in mails[0].body_text
    assert "1 décembre 2026" in mails[0].body_text  # the refusal deadline
    assert "subject=contract" in mails[0].body_text and "non_renewal=1" in mails[0].body_text
    with app.app_context():
        notice = db.session.scalar(
            sa.select(RenewalReminder).where(RenewalReminder.kind == "l215-1")
        )
        assert notice.deadline == date(2026, 12, 1)
        assert notice.sent_at.date() == date(2026, 9, 1)  # its date is kept


def test_a_professional_gets_no_consumer_notice_but_the_deadline_reminders(app, runner, company):
    for day in ("2026-09-01", "2026-10-01", "2026-11-01", "2026-11-01", "2026-12-01", "2026-12-26"):
        run(runner, "remind", day)
    found = subjects(app, "pro@example.fr")
    assert len(found) == 3  # 60, 30 and 7 days before the end
    assert all("sera reconduit" in subject for subject in found)


def test_each_step_reminds_once_and_a_missed_step_is_not_sent_late(app, runner, company):
    run(runner, "remind", "2026-12-26")  # 5 days before: only the 7-day step
    run(runner, "remind", "2026-12-27")
    assert len(subjects(app, "pro@example.fr")) == 1
    assert count_rows(app, RenewalReminder) == 1


def test_a_contract_that_ends_is_announced_as_ending(app, runner, auth):
    client_id = client_of(app, auth.create_client(email="pro@example.fr", **PROFESSIONAL))
    make_contract(app, client_id, renewal="on_request")
    run(runner, "remind", "2026-11-01")
    assert subjects(app, "pro@example.fr") == [
        "Votre contrat « Maintenance du poste » arrive à échéance"
    ]


def test_an_ended_contract_gets_no_reminder(app, runner, company):
    with app.app_context():
        db.session.get(Contract, company[1]).status = "cancelled"
        db.session.commit()
    run(runner, "remind", "2026-12-26")
    assert subjects(app, "pro@example.fr") == []


def test_licences_are_reminded_before_they_expire_once_per_step(app, runner, auth):
    client_id = client_of(app, auth.create_client())
    with app.app_context():
        db.session.add(
            Licence(client_id=client_id, product="Antivirus Pro", expires_on=date(2026, 6, 30))
        )
        db.session.commit()
    for day in ("2026-04-01", "2026-05-01", "2026-05-01", "2026-06-01", "2026-06-25", "2026-07-01"):
        run(runner, "remind", day)
    found = subjects(app, "client@example.fr")
    assert found == ["Votre licence « Antivirus Pro » expire bientôt"] * 3
    assert "30 juin 2026" in outbox_for(app, "client@example.fr")[0].body_text


def test_a_tacit_contract_renews_once_with_a_draft_invoice(app, runner, private):
    client_id, contract_id = private
    run(runner, "renew", "2026-12-31")
    assert len(periods_of(app, contract_id)) == 1  # not over yet
    assert "1 période(s) renouvelée(s)" in run(runner, "renew", "2027-01-01")
    assert "0 période(s)" in run(runner, "renew", "2027-01-01")
    periods = periods_of(app, contract_id)
    assert [(start, end) for start, end, _ in periods] == [
        (date(2026, 1, 1), date(2026, 12, 31)),
        (date(2027, 1, 1), date(2027, 12, 31)),
    ]
    assert load_contract(app, contract_id).ends_on == date(2027, 12, 31)
    with app.app_context():
        invoice = db.session.get(Invoice, periods[1][2])
        assert invoice.status == "draft" and invoice.client_id == client_id
        assert invoice.service_date == date(2027, 1, 1)
        assert [(line.quantity_thousandths, line.unit_price_cents) for line in invoice.lines] == [
            (1000, 24000)
        ]
        assert "01/01/2027" in invoice.lines[0].description


def test_a_renewal_missed_for_two_periods_catches_up(app, runner, private):
    run(runner, "renew", "2028-01-15")
    assert len(periods_of(app, private[1])) == 3
    assert count_rows(app, Invoice) == 2


@pytest.mark.parametrize("renewal", ["tacit", "on_request"])
def test_a_refused_or_on_request_contract_ends_at_its_term(app, runner, auth, renewal):
    client_id = client_of(app, auth.create_client())
    contract_id = make_contract(app, client_id, renewal=renewal)
    if renewal == "tacit":
        with app.app_context():
            from services.contract_requests import record_non_renewal

            record_non_renewal(db.session.get(Contract, contract_id), ticket_id=None)
            db.session.commit()
    assert "1 contrat(s) terminé(s)" in run(runner, "renew", "2027-01-01")
    assert load_contract(app, contract_id).status == "ended"
    assert count_rows(app, ContractPeriod) == 1
    assert count_rows(app, Invoice) == 0
