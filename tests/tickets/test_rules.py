"""Rules of tickets and of data-rights requests, tested without HTTP."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from blueprints.tickets.rules import status_problem
from models.ticket import STATUSES, Ticket
from services.data_rights import legal_deadline


@pytest.mark.parametrize(
    ("received", "deadline"),
    [
        (date(2026, 3, 15), date(2026, 4, 15)),
        (date(2026, 1, 31), date(2026, 2, 28)),
        (date(2028, 1, 31), date(2028, 2, 29)),
        (date(2026, 12, 15), date(2027, 1, 15)),
        (date(2026, 5, 31), date(2026, 6, 30)),
        (datetime(2026, 8, 31, 23, 59), date(2026, 9, 30)),
    ],
)
def test_a_request_is_due_one_month_after_it_is_received(received, deadline):
    assert legal_deadline(received) == deadline


CLIENT_MAY = {
    ("new", "closed"),
    ("in_progress", "closed"),
    ("waiting_client", "closed"),
    ("resolved", "closed"),
    ("resolved", "in_progress"),
    ("closed", "in_progress"),
}


@pytest.mark.parametrize("old", list(STATUSES))
@pytest.mark.parametrize("new", list(STATUSES))
def test_a_client_may_only_close_or_reopen_their_ticket(old, new):
    problem = status_problem(Ticket(status=old), new, by_staff=False)
    assert (problem is None) == ((old, new) in CLIENT_MAY)


@pytest.mark.parametrize("old", list(STATUSES))
@pytest.mark.parametrize("new", list(STATUSES))
def test_an_admin_may_give_any_other_status(old, new):
    problem = status_problem(Ticket(status=old), new, by_staff=True)
    assert (problem is None) == (old != new)


def test_an_unknown_status_is_refused():
    assert status_problem(Ticket(status="new"), "lost", by_staff=True) == "Ce statut n'existe pas."
