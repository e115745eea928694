"""Language and formats: French first, English on request; dates in Europe/Paris."""

from __future__ import annotations

import weakref

from babel import support
from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup
from wtforms.i18n import messages_path

from services.dates import format_when
from services.i18n import catalogue, format_currency


def select_locale() -> str:
    """The user's stored choice, then the session's, then the browser's, then French."""
    languages = list(current_app.config["LANGUAGES"])
    if not has_request_context():  # commands and cron jobs speak French
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


_WTFORMS_TRANSLATIONS: dict[str, object] = {}

# Where Flask-WTF looks for the request's WTForms catalogue before loading it from disk: an
# internal of Flask-WTF (flask_wtf/i18n.py), not an API. pyproject.toml bounds Flask-WTF to the
# versions checked, and tests/web/test_i18n_internals.py fails if the attribute is no longer read.
WTFORMS_TRANSLATIONS_ATTRIBUTE = "wtforms_translations"


def _share_wtforms_translations() -> None:
    """Give Flask-WTF the validators' messages of the visitor's language, loaded once per process.

    Flask-WTF reads WTForms' catalogue from disk on every request that builds a form; it looks
    for an already loaded one on ``request.wtforms_translations`` first (see above).
    """
    if request.endpoint in (None, "static", "public.health"):
        return
    locale = str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
    translations = _WTFORMS_TRANSLATIONS.get(locale)
    if translations is None:
        translations = support.Translations.load(messages_path(), [locale], domain="wtforms")
        _WTFORMS_TRANSLATIONS[locale] = translations
    setattr(request, WTFORMS_TRANSLATIONS_ATTRIBUTE, translations)


PLAIN_TEXTS_KEPT = 5000


def _jinja_gettext_of(translations) -> dict:
    """``gettext`` and ``ngettext`` for templates, bound to ``translations``, as Jinja's own.

    Flask-Babel's template callables look the request's catalogue up again at every ``_()``
    (a page of the client space has dozens); these resolve it once per rendered template. They
    behave as Jinja's "newstyle" callables: the result is always %-formatted with the keyword
    arguments (``num`` defaults to the count) and marked safe before formatting, so that the
    arguments are escaped.

    They take the evaluation context (``pass_eval_context``), not the template context: Jinja
    derives a new template context for every call of a ``pass_context`` callable inside a loop
    or a block that sets variables (about 5 µs each, hundreds on a page of rows), and its own
    ``_`` alias is such a callable. The context processor below therefore also names ``_``.
    """

    # Texts without arguments (most of a page's) are formatted once per catalogue. Bounded: a
    # template may pass a text from elsewhere.
    plain: dict[tuple[str, bool], str] = {}

    def formatted(string: str, autoescape: bool, variables: dict):
        rv = translations.gettext(string)
        if autoescape:
            rv = Markup(rv)  # noqa: S704 - our own catalogue, as Jinja does  # nosec B704
        return rv % variables

    @pass_eval_context
    def gettext(eval_ctx, string, **variables):
        if variables:
            return formatted(string, eval_ctx.autoescape, variables)
        key = (string, eval_ctx.autoescape)
        rv = plain.get(key)
        if rv is None:
            if len(plain) >= PLAIN_TEXTS_KEPT:
                plain.clear()
            rv = plain[key] = formatted(string, key[1], {})
        return rv

    @pass_eval_context
    def ngettext(eval_ctx, singular, plural, num, **variables):
        variables.setdefault("num", num)
        rv = translations.ngettext(singular, plural, num)
        if eval_ctx.autoescape:
            rv = Markup(rv)  # noqa: S704 - our own catalogue, as Jinja does  # nosec B704
        return rv % variables

    return {"gettext": gettext, "ngettext": ngettext}


# The template callables of each catalogue, made once per catalogue object. Kept here rather
# than on the catalogue (no attribute of ours on Babel's objects), weakly: a catalogue Flask-Babel
# lets go takes its callables with it.
_JINJA_CALLABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _template_i18n() -> dict:
    """Context of every template: the current locale and the request's catalogue's callables.

    Cheap only because Flask-Babel keeps one catalogue object per language for the life of the
    process (``Domain.get_translations``); pyproject.toml bounds Flask-Babel to the versions
    checked, and tests/web/test_i18n_internals.py fails if each request gets a new catalogue.
    """
    translations = catalogue()
    callables = _JINJA_CALLABLES.get(translations)
    if callables is None:
        callables = _JINJA_CALLABLES[translations] = _jinja_gettext_of(translations)
    locale = str(get_locale() or "fr")
    return {
        "current_locale": lambda: locale,
        "_": callables["gettext"],
        "gettext": callables["gettext"],
        "ngettext": callables["ngettext"],
    }


def register_filters(app) -> None:
    """Jinja filters for dates and amounts in the visitor's language and the Paris time zone."""

    app.before_request(_share_wtforms_translations)
    app.context_processor(_template_i18n)

    @app.template_filter("datetime")
    def _datetime(value, kind="list"):
        return format_when(value, kind)

    @app.template_filter("date")
    def _date(value, kind="list"):
        return format_when(value, kind)

    @app.template_filter("euros")
    def _euros(value):
        return format_currency(value, "EUR") if value is not None else ""
