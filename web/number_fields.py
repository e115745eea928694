"""Numbers typed the French way (``1 234,50``, ``12,5 %``), kept as integers and shown as typed.

Amounts are kept in cents, quantities in thousandths, percentages in basis points.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from wtforms import StringField
from wtforms.validators import ValidationError

from services.i18n import lazy_gettext as _l

_SPACES = re.compile(r"[\s\u00a0\u202f]")


def parse_decimal(text: str, places: int) -> Decimal:
    """``text`` as a number with at most ``places`` decimals (comma or point), or ValueError."""
    cleaned = _SPACES.sub("", text or "").replace("€", "").replace("%", "").replace(",", ".")
    if not re.fullmatch(r"-?[0-9]{1,12}(\.[0-9]+)?", cleaned):
        raise ValueError(text)
    try:
        value = Decimal(cleaned)
    except InvalidOperation as error:
        raise ValueError(text) from error
    if value != value.quantize(Decimal(1).scaleb(-places)):
        raise ValueError(text)
    return value


class _ScaledField(StringField):
    """A number typed as text, kept as an integer of ``scale`` units (cents, thousandths)."""

    places = 2
    scale = 100
    invalid_message = _l("Saisissez un montant, par exemple 49,90.")

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not (valuelist[0] or "").strip():
            return
        try:
            self.data = int(parse_decimal(valuelist[0], self.places) * self.scale)
        except ValueError as error:
            raise ValueError(str(self.invalid_message)) from error

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        text = f"{Decimal(self.data) / self.scale:f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text.replace(".", ",")


class AmountField(_ScaledField):
    """An amount in euros, kept in cents."""


class QuantityField(_ScaledField):
    places = 3
    scale = 1000
    invalid_message = _l("Saisissez une quantité, par exemple 1 ou 1,5 (trois décimales au plus).")


class PercentField(_ScaledField):
    """A percentage, kept in basis points (10 % = 1000)."""

    places = 2
    scale = 100
    invalid_message = _l("Saisissez un pourcentage, par exemple 10 ou 12,5.")


class Between:
    def __init__(self, low: int, high: int, message):
        self.low, self.high, self.message = low, high, message

    def __call__(self, form, field):
        if field.data is not None and not (self.low <= field.data <= self.high):
            raise ValidationError(self.message)
