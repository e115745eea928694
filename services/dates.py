"""Dates as the product writes them: one pattern per kind of place, in the reader's language.

Flask-Babel's locale and time zone (Europe/Paris) apply; outside a request, the default
language. The Jinja filter ``datetime`` (web/i18n.py) and the profile's values both use it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import format_date, format_datetime, get_locale, get_timezone


@lru_cache(maxsize=4096)
def _formatted(formatter, value, fmt: str, locale, tzinfo) -> str:
    """``formatter(value, fmt)`` as written in ``locale`` and ``tzinfo``, the request's own.

    Formatting a date through Babel is slow and a page shows the same dates on every visit;
    ``locale`` and ``tzinfo`` are what ``formatter`` reads from the request, so the result
    depends on nothing else than the key.
    """
    return formatter(value, fmt)


# One format per kind of place, the same pattern in every language (month names translated):
# a list is scanned (short month), a detail is read (full month, weekday for an appointment).
DATE_FORMATS = {"list": "d MMM y", "detail": "d MMMM y", "birth": "d MMMM y"}
# The activity log ("log") keeps the seconds: events of one minute are told apart there.
DATETIME_FORMATS = {
    "list": "d MMM y, HH:mm",
    "detail": "EEEE d MMMM y, HH:mm",
    "log": "d MMM y, HH:mm:ss",
}


def format_when(value, kind: str = "list") -> str:
    """``value`` (a date or a UTC datetime) as shown in a place of ``kind``, in Paris time.

    Kinds: ``list``, ``detail`` (dates and datetimes), ``birth`` (dates), ``log`` (datetimes
    of the activity log). An unknown kind is
    an error: a template cannot bring its own pattern.
    """
    if not value:
        return ""
    if isinstance(value, datetime):
        return _formatted(
            format_datetime, value, DATETIME_FORMATS[kind], get_locale(), get_timezone()
        )
    return _formatted(format_date, value, DATE_FORMATS[kind], get_locale(), get_timezone())


def company_today() -> date:
    """Today where the company works (``BABEL_DEFAULT_TIMEZONE``, Paris): due dates, deadlines."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Europe/Paris")
    return datetime.now(zone).date()


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def local_to_utc(value: datetime | None) -> datetime | None:
    """A naive Paris wall-clock time (from a form) as naive UTC (for the database)."""
    if value is None:
        return None
    return value.replace(tzinfo=local_zone()).astimezone(UTC).replace(tzinfo=None)


def utc_to_local(value: datetime | None) -> datetime | None:
    """A naive UTC time (from the database) as naive Paris wall-clock time (for a form)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(local_zone()).replace(tzinfo=None)
