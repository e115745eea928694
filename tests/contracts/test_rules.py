"""Rules of contracts: periods by calendar months, deadlines, the L215-1 window, reminder steps,
and the terms refused with their reason."""

from datetime import date

import pytest

from blueprints.contracts import rules
from models.contract import Contract


def contract(**fields) -> Contract:
    values = {"ends_on": date(2026, 12, 31), "notice_days": 30, "renewal": "tacit"}
    values.update(fields)
    return Contract(status="active", **values)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 11, 15), 3, date(2027, 2, 15)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 1, 1), -13, date(2024, 12, 1)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_last_of_the_month(start, months, expected):
    assert rules.add_months(start, months) == expected


@pytest.mark.parametrize(
    ("start", "months", "last_day"),
    [
        (date(2026, 1, 1), 12, date(2026, 12, 31)),
        (date(2026, 3, 1), 12, date(2027, 2, 28)),
        (date(2027, 3, 1), 12, date(2028, 2, 29)),
        (date(2026, 1, 15), 1, date(2026, 2, 14)),
    ],
)
def test_a_period_ends_the_day_before_the_same_date_months_later(start, months, last_day):
    assert rules.period_end(start, months) == last_day


def test_the_refusal_deadline_is_the_notice_before_the_end():
    assert rules.refusal_deadline(contract(notice_days=30)) == date(2026, 12, 1)
    assert rules.refusal_deadline(contract(notice_days=0)) == date(2026, 12, 31)


def test_the_consumer_notice_window_runs_from_three_months_to_one_month_before_the_deadline():
    opens, closes = rules.consumer_notice_window(contract(notice_days=30))
    assert (opens, closes) == (date(2026, 9, 1), date(2026, 11, 1))


@pytest.mark.parametrize(
    ("category", "renewal", "refused", "expected"),
    [
        ("particulier", "tacit", False, True),
        ("professionnel", "tacit", False, False),
        ("association", "tacit", False, False),
        ("particulier", "on_request", False, False),
        ("particulier", "tacit", True, False),
    ],
)
def test_only_private_clients_on_tacit_contracts_get_the_consumer_notice(
    category, renewal, refused, expected
):
    found = contract(renewal=renewal)
    if refused:
        from datetime import datetime

        found.non_renewal_requested_at = datetime(2026, 10, 1)
    assert rules.needs_consumer_notice(found, category) is expected


@pytest.mark.parametrize(
    ("today", "due"),
    [
        (date(2026, 8, 31), False),
        (date(2026, 9, 1), True),
        (date(2026, 11, 20), True),  # late, still sent: the client must hear of it
        (date(2027, 1, 1), False),
    ],
)
def test_the_consumer_notice_is_due_once_its_window_opened(today, due):
    assert rules.consumer_notice_due(contract(), "particulier", today) is due


@pytest.mark.parametrize(
    ("days_left", "sent", "expected"),
    [
        (90, [], None),
        (60, [], 60),
        (45, [], 60),
        (45, [60], None),
        (30, [60], 30),
        (5, [], 7),  # the command did not run for weeks: one mail, the nearest step
        (5, [7], None),
        (0, [60, 30], 7),
        (-1, [], None),
    ],
)
def test_reminder_step_due(days_left, sent, expected):
    assert rules.reminder_step_due(days_left, [60, 30, 7], sent) == expected


GOOD = {
    "kind": "maintenance",
    "starts_on": date(2026, 1, 1),
    "term_months": 12,
    "billing_months": 1,
    "price_cents": 1990,
    "vat_rate_bp": 2000,
    "renewal": "tacit",
    "notice_days": 30,
}


def test_good_terms_have_no_problem():
    assert rules.contract_problem(**GOOD) is None


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"kind": "lease"}, "type"),
        ({"renewal": "sometimes"}, "renouvellement"),
        ({"starts_on": None}, "date de début"),
        ({"term_months": 0}, "durée"),
        ({"term_months": 121}, "durée"),
        ({"billing_months": 5}, "périodicité"),
        ({"term_months": 12, "billing_months": 5}, "périodicité"),
        ({"term_months": 4, "billing_months": 3}, "multiple"),
        ({"term_months": 1, "billing_months": 3}, "multiple"),
        ({"price_cents": -1}, "prix"),
        ({"vat_rate_bp": 1900}, "TVA"),
        ({"notice_days": -1}, "négatif"),
        ({"term_months": 1, "billing_months": 1, "notice_days": 31}, "plus court"),
    ],
)
def test_bad_terms_are_refused_with_their_reason(change, words):
    problem = rules.contract_problem(**{**GOOD, **change})
    assert problem is not None and words in problem


def test_a_term_is_billed_by_its_billing_periods():
    monthly = Contract(term_months=12, billing_months=1, price_cents=1990)
    assert rules.periods_per_term(monthly) == 12
    assert rules.term_price_cents(monthly) == 23880
