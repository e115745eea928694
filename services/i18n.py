"""Language and formats: French first, English on request; dates in Europe/Paris."""

from __future__ import annotations

from babel import support
from flask import current_app, has_request_context, request, session
from flask_babel import format_currency, format_date, format_datetime, get_locale
from flask_login import current_user
from wtforms.i18n import messages_path


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


def _share_wtforms_translations() -> None:
    """Give Flask-WTF the validators' messages of the visitor's language, loaded once per process.

    Flask-WTF reads WTForms' catalogue from disk on every request that builds a form; it looks
    for an already loaded one on ``request.wtforms_translations`` first.
    """
    if request.endpoint in (None, "static", "public.health"):
        return
    locale = str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
    translations = _WTFORMS_TRANSLATIONS.get(locale)
    if translations is None:
        translations = support.Translations.load(messages_path(), [locale], domain="wtforms")
        _WTFORMS_TRANSLATIONS[locale] = translations
    request.wtforms_translations = translations


def register_filters(app) -> None:
    """Jinja filters for dates and amounts in the visitor's language and the Paris time zone."""

    app.before_request(_share_wtforms_translations)
    app.context_processor(lambda: {"current_locale": lambda: str(get_locale() or "fr")})

    @app.template_filter("datetime")
    def _datetime(value, fmt="medium"):
        return format_datetime(value, fmt) if value else ""

    @app.template_filter("date")
    def _date(value, fmt="medium"):
        return format_date(value, fmt) if value else ""

    @app.template_filter("euros")
    def _euros(value):
        return format_currency(value, "EUR") if value is not None else ""
