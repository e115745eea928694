"""Rules every form of people's data shares: no invisible control characters, plausible dates,
ids that a database column can hold.

Forms derive from :class:`CleanForm` instead of ``FlaskForm``; date fields take a
:class:`PlausibleDate` validator; ids read from a query string go through :func:`record_id`.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, TextAreaField
from wtforms.validators import ValidationError

from models import MAX_ID

# The largest id a BIGINT column holds; SQLite's driver overflows beyond (a 500, not a 404).

# C0 and C1 control characters, DEL included. Tab and line breaks are allowed in text areas.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

CONTROL_MESSAGE = _l(
    "Ce champ contient des caractères invisibles (retour à la ligne, tabulation ou caractère "
    "de contrôle) : retirez-les."
)
CONTROL_IN_TEXT_MESSAGE = _l(
    "Ce texte contient des caractères invisibles (caractères de contrôle) : retirez-les."
)


def control_problem(field) -> str | None:
    """Why the text typed in ``field`` cannot be stored, or None.

    Nobody types a NUL or an escape on purpose; a line break in a one-line field (a name, a
    serial number) comes from a paste and would break every list and export that shows it.
    Passwords are left alone: any character is allowed there.
    """
    if isinstance(field, PasswordField) or not isinstance(field, StringField):
        return None
    if not isinstance(field.data, str):
        return None
    if isinstance(field, TextAreaField):
        return str(CONTROL_IN_TEXT_MESSAGE) if _CONTROL_IN_TEXT.search(field.data) else None
    return str(CONTROL_MESSAGE) if _CONTROL.search(field.data) else None


class CleanForm(FlaskForm):
    """A form that refuses control characters in its text fields, with a message by the field.

    When what was typed cannot be read at all (a number, a date), only that is said: the range
    validators that follow would add a second, confusing message about a value that is not there.
    """

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if field.process_errors:
                field.errors = list(field.process_errors)
            problem = control_problem(field)
            if problem:
                field.errors = [*field.errors, problem]
                valid = False
        return valid


class PlausibleDate:
    """A date (or date and time) between ``first`` and ``last``, both included.

    Beyond the years a person means, a typing slip (``0001``, ``9999``) would be stored as it is,
    or fail when converted between Paris time and UTC.
    """

    def __init__(self, first: date = date(2000, 1, 1), last: date = date(2099, 12, 31)):
        self.first = first
        self.last = last

    def __call__(self, form, field) -> None:
        value = field.data
        if value is None:
            return
        day = value.date() if isinstance(value, datetime) else value
        if not (self.first <= day <= self.last):
            raise ValidationError(
                _l(
                    "Saisissez une date entre le %(first)s et le %(last)s.",
                    # Written as the field is typed (dd/mm/yyyy), not as a list shows it.
                    first=format_date(self.first, "short"),
                    last=format_date(self.last, "short"),
                )
            )


def record_id(text: str) -> int:
    """An id from a query string (``request.args.get("after", type=record_id)``).

    Raises ValueError, so that ``args.get`` answers None, for anything but digits that fit a
    database id.
    """
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= MAX_ID:
        raise ValueError(text)
    return int(text)
