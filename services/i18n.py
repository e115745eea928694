"""Translation calls of the whole product: Flask-Babel's catalogues, looked up once per context.

Flask-Babel's ``gettext`` finds the request's catalogue anew at every call (the domain, the
locale and the catalogue, each through ``flask.g``: about 10 µs), and a page of lists translates
hundreds of labels. These functions keep the catalogue that Flask-Babel returns on ``g`` for the
rest of the application context. Flask-Babel also chooses the locale once per context, so the
result is the same; ``force_locale`` (a mail in its recipient's language) drops the kept
catalogue on the way in and out. Import ``gettext``, ``ngettext``, ``lazy_gettext`` and
``force_locale`` from here, never from Flask-Babel (tests/app/test_one_way.py).

Only Flask and Flask-Babel are used, so that models may use it as they would Flask-Babel.
"""

from __future__ import annotations

from contextlib import contextmanager, suppress
from functools import lru_cache

import flask_babel
from flask import g
from flask_babel.speaklater import LazyString

_KEPT = "_i18n_catalogue"


def catalogue():
    """The catalogue of the current context's language (Flask-Babel's, found once)."""
    try:
        return getattr(g, _KEPT)
    except AttributeError:  # first translation in this context
        found = flask_babel.get_translations()
        setattr(g, _KEPT, found)
        return found
    except RuntimeError:  # no application context: Flask-Babel's answer (no translation)
        return flask_babel.get_translations()


def gettext(string: str, **variables) -> str:
    """``string`` in the reader's language, %-formatted with ``variables``."""
    translated = catalogue().ugettext(string)
    return translated % variables if variables else translated


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    """The singular or plural form for ``num``, which the text may name as ``%(num)d``."""
    variables.setdefault("num", num)
    return catalogue().ungettext(singular, plural, num) % variables


def lazy_gettext(string: str, **variables) -> LazyString:
    """``gettext`` when the text is shown, for labels defined when a module is imported."""
    return LazyString(gettext, string, **variables)


@contextmanager
def force_locale(locale: str):
    """Translate in ``locale`` inside the block (Flask-Babel's ``force_locale``)."""
    _forget()
    try:
        with flask_babel.force_locale(locale):
            yield
    finally:
        _forget()


def _forget() -> None:
    with suppress(RuntimeError):  # no application context: nothing kept
        g.pop(_KEPT, None)


@lru_cache(maxsize=4096)
def _currency(amount, currency: str, locale) -> str:
    """Babel's currency formatting (slow: about 20 µs), for a key that decides the result."""
    return flask_babel.format_currency(amount, currency)


def format_currency(amount, currency: str) -> str:
    """``amount`` in ``currency`` as the reader writes it (``1 234,50 €``)."""
    return _currency(amount, currency, flask_babel.get_locale())
