"""Rules every form shares: text fields read posted text only; forms of people's data refuse
invisible control characters; plausible dates; ids that a database column can hold.

Every form derives from :class:`AppForm` (forms of people's data from :class:`CleanForm`), never
from ``FlaskForm`` directly; date fields take a :class:`PlausibleDate` validator; ids read from a
query string go through :func:`record_id`.
A one-button POST is checked with :class:`EmptyForm`; its template writes ``csrf_field()``
(``_macros.html``).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from flask import abort, render_template, request
from flask_babel import format_date
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import FileField, PasswordField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from models import MAX_ID
from services.account_rules import email_problem
from services.i18n import lazy_gettext as _l
from web.htmx import render_page_or_fragment

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

# Characters that change how text is shown without being seen: bidirectional overrides, embeds,
# isolates and marks, zero-width spaces and joiners, the byte-order mark. In a name they make
# "Martin" and "Mar<RLO>nit" look alike, or two identical-looking names differ.
_INVISIBLE_FORMATTING = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
INVISIBLE_FORMATTING_MESSAGE = _l(
    "Ce champ contient des caractères invisibles (inversion du sens d'écriture ou espace sans "
    "largeur), souvent venus d'un copier-coller : retapez la valeur."
)


def invisible_formatting_problem(field) -> str | None:
    """Why an identity field (name, company, address) cannot hold what was typed, or None."""
    if isinstance(field, PasswordField) or not isinstance(field, StringField):
        return None
    if isinstance(field.data, str) and _INVISIBLE_FORMATTING.search(field.data):
        return str(INVISIBLE_FORMATTING_MESSAGE)
    return None


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


class AppForm(FlaskForm):
    """The base of every form: text fields read ``request.form`` only, file fields the files.

    Flask-WTF merges the uploaded files (and a JSON body) into what the fields read: a file
    posted under a text field's name reached ``.strip()`` and answered a 500. Here such a
    field is simply missing, and its own validators say so in French; text posted under a
    file field's name is ignored.
    """

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            data = super().wrap_formdata(form, formdata)
            # ``data is formdata``: the caller passed its own (or None); keep it as given.
            if data is None or data is formdata:
                return data
            file_fields = {field.name for field in form if isinstance(field, FileField)}
            if not file_fields:
                return request.form
            # Text fields read the posted text, file fields the uploaded files: never the other.
            sent = MultiDict(
                (name, value)
                for name, value in request.form.items(multi=True)
                if name not in file_fields
            )
            for name in file_fields:
                for upload in request.files.getlist(name):
                    sent.add(name, upload)
            return sent


def _typed(field) -> bool:
    return any(not isinstance(v, str) or v.strip() for v in (field.raw_data or []))


class CleanForm(AppForm):
    """A form that refuses control characters in its text fields, with a message by the field.

    When what was typed cannot be read at all (a number, a date), only that is said: the range
    validators that follow would add a second, confusing message about a value that is not there.
    A form of identity data (``identity = True``: names, company, addresses) also refuses
    invisible formatting characters in every text field.
    """

    identity = False

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            # What could not be read is said, unless nothing was typed: an empty optional date
            # is no error, and an empty required one has its own message.
            if field.process_errors and _typed(field):
                field.errors = list(field.process_errors)
            problem = control_problem(field) or (
                invisible_formatting_problem(field) if self.identity else None
            )
            if problem:
                field.errors = [*field.errors, problem]
                valid = False
        return valid


class EmptyForm(AppForm):
    """A one-button POST (disable, resend, delete...): its CSRF token only."""


def require_one_button_form() -> None:
    """Stop a one-button POST whose form did not come from our page (400)."""
    if not EmptyForm().validate_on_submit():
        abort(400)


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


class ValidEmail:
    """The one e-mail rule of every form that takes an address to write to.

    An address ``email-validator`` accepts, without any network look-up
    (:func:`services.account_rules.email_problem`); the login and "forgotten password" forms take
    anything, so as to say nothing about which addresses have an account.
    """

    def __call__(self, form, field):
        problem = email_problem(field.data or "")
        if problem:
            raise ValidationError(problem)


def record_id(text: str) -> int:
    """An id from a query string (``request.args.get("after", type=record_id)``).

    Raises ValueError, so that ``args.get`` answers None, for anything but digits that fit a
    database id.
    """
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= MAX_ID:
        raise ValueError(text)
    return int(text)


def render_form(template: str, form, fragment: str | None = None, **context):
    """The page of a form not (or not yet) accepted: 422 once it was sent, 200 when first shown.

    A sent form that comes back has errors, and htmx swaps a 422 in (``responseHandling`` in
    base.html), so they show in place. With ``fragment``, an htmx fragment request gets that
    partial instead of the page (see :func:`web.htmx.render_page_or_fragment`).
    """
    status = 422 if form.is_submitted() else 200
    if fragment is not None:
        return render_page_or_fragment(template, fragment, status, form=form, **context)
    return render_template(template, form=form, **context), status


# What a datetime-local input sends (with or without seconds), and a typed fallback.
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
