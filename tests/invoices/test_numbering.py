"""Numbers drawn at issue: unbroken, per year, per series, and safe under concurrent issuing."""

import threading
from datetime import date

import pytest
import sqlalchemy as sa
import time_machine

from blueprints.invoices import rules
from models import db
from models.invoice import Invoice
from tests.fixtures.invoices import SELLER, client_of, issue_draft, make_draft, make_issued

pytestmark = pytest.mark.settings(**SELLER)


@pytest.fixture
def client_id(app, auth):
    return client_of(app, auth.create_client())


def test_numbers_follow_each_other_without_gap(app, client_id):
    numbers = [issue_draft(app, make_draft(app, client_id), date(2026, 3, 1)) for _ in range(3)]
    assert numbers == ["2026-00001", "2026-00002", "2026-00003"]


def test_the_sequence_starts_again_each_year(app, client_id):
    assert issue_draft(app, make_draft(app, client_id), date(2026, 12, 31)) == "2026-00001"
    assert issue_draft(app, make_draft(app, client_id), date(2027, 1, 1)) == "2027-00001"
    assert issue_draft(app, make_draft(app, client_id), date(2026, 12, 31)) == "2026-00002"


def test_the_year_is_the_one_of_the_day_of_issue_in_paris(app, client_id):
    # 23:30 UTC on 31 December is already 1 January in Paris.
    with time_machine.travel("2026-12-31 23:30:00+00:00", tick=False):
        assert issue_draft(app, make_draft(app, client_id)) == "2027-00001"


def test_credit_notes_have_their_own_series(app, client_id):
    invoice_id = make_issued(app, client_id, day=date(2026, 3, 1))
    note_id = make_draft(app, client_id, kind="credit_note", corrects_id=invoice_id)
    assert issue_draft(app, note_id, date(2026, 3, 2)) == "AV-2026-00001"
    assert issue_draft(app, make_draft(app, client_id), date(2026, 3, 2)) == "2026-00002"


def test_a_rolled_back_issue_gives_its_number_back(app, client_id):
    from blueprints.invoices.billing import issue_invoice, prepare_issue

    first = make_draft(app, client_id)
    with app.app_context():
        invoice = db.session.get(Invoice, first)
        prepare_issue(invoice, date(2026, 3, 1))
        issue_invoice(invoice, date(2026, 3, 1))
        assert invoice.number == "2026-00001"
        db.session.rollback()
    assert issue_draft(app, make_draft(app, client_id), date(2026, 3, 1)) == "2026-00001"


def test_a_draft_issued_meanwhile_by_another_admin_is_not_issued_again(app, client_id):
    invoice_id = make_draft(app, client_id)
    with app.app_context():
        stale = db.session.get(Invoice, invoice_id)  # the second admin's page, still a draft
        stale.lines  # noqa: B018
        issue_draft(app, invoice_id, date(2026, 3, 1))  # the first admin, in another session
        with pytest.raises(rules.AlreadyIssued):
            rules.issue(
                db.session, stale, config=app.config, today=date(2026, 3, 1), issued_at=None
            )
        db.session.rollback()
    assert issue_draft(app, make_draft(app, client_id), date(2026, 3, 1)) == "2026-00002"


THREADS = 8


def test_concurrent_issues_draw_distinct_numbers_without_gap(app, client_id):
    """Eight admins issue eight drafts at the same moment, each in its own session."""
    drafts = [make_draft(app, client_id) for _ in range(THREADS)]
    start = threading.Barrier(THREADS)
    errors = []

    def issue(invoice_id):
        try:
            start.wait()
            issue_draft(app, invoice_id, date(2026, 6, 1))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=issue, args=(draft,)) for draft in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with app.app_context():
        numbers = sorted(db.session.scalars(sa.select(Invoice.number)))
    assert numbers == [f"2026-{n:05d}" for n in range(1, THREADS + 1)]
