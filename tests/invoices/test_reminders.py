"""``flask --app app billing remind``: one mail per overdue invoice and step, however often cron
runs it; paid invoices and invoices not yet due get none."""

from datetime import date

import pytest
import time_machine

from models.invoice import InvoiceReminder
from tests.fixtures.database import count_rows
from tests.fixtures.invoices import SELLER, client_of, make_issued
from tests.fixtures.mail import outbox_for

pytestmark = pytest.mark.settings(**SELLER, INVOICE_PAYMENT_TERMS_DAYS=30)

ISSUED = date(2026, 3, 2)  # due on 1 April 2026


@pytest.fixture
def overdue(app, auth):
    client_id = client_of(app, auth.create_client())
    return make_issued(app, client_id, day=ISSUED)


def remind(runner, day: str):
    with time_machine.travel(f"{day} 08:00:00+02:00", tick=False):
        result = runner.invoke(args=["billing", "remind"])
    assert result.exit_code == 0, result.output
    return result.output


def test_no_reminder_before_the_first_step(app, runner, overdue):
    remind(runner, "2026-04-01")
    assert outbox_for(app, "client@example.fr") == []


def test_running_twice_sends_one_reminder(app, runner, overdue):
    assert "1 rappel" in remind(runner, "2026-04-02")
    assert "0 rappel" in remind(runner, "2026-04-02")
    mails = outbox_for(app, "client@example.fr")
    assert len(mails) == 1
    assert "2026-00001" in mails[0].subject
    assert "2026-00001" in mails[0].body_text and "108,00" in mails[0].body_text
    assert f"/invoices/{overdue}" in mails[0].body_text


def test_each_step_sends_its_own_reminder_once(app, runner, overdue):
    for day in ("2026-04-02", "2026-04-10", "2026-04-16", "2026-04-16", "2026-05-01", "2026-06-30"):
        remind(runner, day)
    assert len(outbox_for(app, "client@example.fr")) == 3
    assert count_rows(app, InvoiceReminder) == 3


def test_a_paid_invoice_gets_no_reminder(app, runner, client, auth, overdue):
    from models import db
    from models.invoice import Invoice

    with app.app_context():
        invoice = db.session.get(Invoice, overdue)
        invoice.paid_cents = invoice.total_incl_tax_cents
        db.session.commit()
    remind(runner, "2026-04-20")
    assert outbox_for(app, "client@example.fr") == []
