"""Amounts, VAT per rate, status and reminder steps: the rules, called directly."""

from datetime import date

import pytest

from blueprints.invoices import rules
from models.invoice import Invoice, InvoiceLine
from web.number_fields import parse_decimal


def line(quantity, price, rate=2000, discount=0):
    return InvoiceLine(
        description="x",
        quantity_thousandths=quantity,
        unit_price_cents=price,
        vat_rate_bp=rate,
        discount_bp=discount,
    )


@pytest.mark.parametrize(
    ("quantity", "price", "discount", "net"),
    [
        (1000, 1999, 0, 1999),
        (1500, 6000, 0, 9000),
        (333, 100, 0, 33),  # 33.3 cents
        (1000, 5, 1000, 5),  # 4.5 cents rounds half up
        (3000, 333, 1500, 849),  # 849.15
        (2500, 1, 0, 3),  # 2.5 cents rounds half up
        (1000, 10000, 10000, 0),  # 100 % discount
        (1, 1, 0, 0),
    ],
)
def test_line_amount_is_rounded_half_up_to_the_cent(quantity, price, discount, net):
    assert rules.line_net_cents(quantity, price, discount) == net


def test_vat_is_computed_once_per_rate_on_the_sum_of_its_lines():
    # Three lines of 0.15 € at 20 %: per line 0.03 € each (0.09 €), per rate 0.45 × 20 % = 0.09 €.
    # Seven lines of 0.05 €: per line 0.01 € each = 0.07 €; per rate 0.35 × 20 % = 0.07 €.
    # 0.33 € at 5.5 %: 0.01815 → 0.02 €; with another 0.33 €: 0.66 × 5.5 % = 0.0363 → 0.04 €.
    lines = [line(1000, 5)] * 7 + [line(1000, 33, 550), line(1000, 33, 550)]
    result = rules.totals(lines)
    assert [(g.rate_bp, g.base_cents, g.vat_cents) for g in result.groups] == [
        (2000, 35, 7),
        (550, 66, 4),
    ]
    assert (result.excl_tax_cents, result.tax_cents, result.incl_tax_cents) == (101, 11, 112)


def test_vat_per_rate_differs_from_summing_rounded_line_vat():
    # Each line: 0.13 € × 20 % = 0.026 → 0.03 €; summed per line 0.09 €. Per rate: 0.39 × 20 %
    # = 0.078 → 0.08 €. French practice takes the per-rate figure.
    result = rules.totals([line(1000, 13)] * 3)
    assert result.tax_cents == 8


def test_every_french_rate_and_a_zero_rate_make_their_own_group():
    lines = [line(1000, 10000, rate) for rate in (2000, 1000, 550, 210, 0)]
    result = rules.totals(lines)
    assert [g.vat_cents for g in result.groups] == [2000, 1000, 550, 210, 0]
    assert result.incl_tax_cents == 50000 + 3760


@pytest.mark.parametrize(
    ("cents", "text"),
    [
        (0, "0,00\u00a0€"),
        (123456, "1\u202f234,56\u00a0€"),
        (-500, "-5,00\u00a0€"),
        (7, "0,07\u00a0€"),
    ],
)
def test_amounts_are_written_the_french_way(cents, text):
    assert rules.format_cents(cents) == text


@pytest.mark.parametrize(
    ("basis_points", "text"), [(2000, "20"), (550, "5,5"), (210, "2,1"), (0, "0"), (1250, "12,5")]
)
def test_rates_are_written_without_useless_decimals(basis_points, text):
    assert rules.format_rate(basis_points) == f"{text}\u00a0%"


@pytest.mark.parametrize(
    ("typed", "places", "value"),
    [
        ("12,50", 2, "12.50"),
        ("1 234,5", 2, "1234.5"),
        ("49.90 €", 2, "49.90"),
        ("1,125", 3, "1.125"),
    ],
)
def test_numbers_are_read_as_french_people_type_them(typed, places, value):
    assert str(parse_decimal(typed, places)) == value


@pytest.mark.parametrize("typed", ["", "abc", "1,2,3", "12,345", "1e5", "--1", "١٢"])
def test_unreadable_numbers_are_refused(typed):
    with pytest.raises(ValueError):
        parse_decimal(typed, 2)


def issued(total=10000, paid=0, credited=0, due=date(2026, 3, 1), kind="invoice"):
    return Invoice(
        status="issued",
        kind=kind,
        total_incl_tax_cents=total,
        paid_cents=paid,
        credited_cents=credited,
        due_on=due,
    )


@pytest.mark.parametrize(
    ("invoice", "today", "status"),
    [
        (issued(), date(2026, 3, 1), "due"),
        (issued(), date(2026, 3, 2), "overdue"),
        (issued(paid=4000), date(2026, 3, 2), "overdue"),
        (issued(paid=10000), date(2026, 5, 1), "paid"),
        (issued(paid=6000, credited=4000), date(2026, 5, 1), "paid"),
        (issued(kind="credit_note"), date(2026, 5, 1), "credit_note"),
        (Invoice(status="draft", kind="invoice"), date(2026, 5, 1), "draft"),
    ],
)
def test_status_follows_payments_credit_notes_and_due_date(invoice, today, status):
    assert rules.payment_status(invoice, today) == status


def test_balance_takes_off_payments_and_credit_notes():
    assert rules.balance_cents(issued(paid=2500, credited=1000)) == 6500


@pytest.mark.parametrize(
    ("days", "sent", "due"),
    [
        (0, [], None),
        (1, [], 1),
        (1, [1], None),
        (14, [1], None),
        (15, [1], 15),
        (40, [], 30),  # steps missed while cron did not run: only the latest is sent
        (40, [30], None),
        (20, [30], None),
    ],
)
def test_one_reminder_per_step_reached(days, sent, due):
    assert rules.reminder_step_due(days, (1, 15, 30), sent) == due


def test_payment_beyond_the_balance_is_refused():
    assert rules.payment_problem(issued(paid=9000), 1001)
    assert rules.payment_problem(issued(paid=9000), 1000) is None
    assert rules.payment_problem(issued(paid=10000), 1)


def test_only_a_draft_may_change():
    assert rules.edit_problem(Invoice(status="draft")) is None
    assert "avoir" in rules.edit_problem(Invoice(status="issued"))
