"""Language and formats: French first, English on request; dates in Europe/Paris."""

from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_babel import format_currency, format_date, format_datetime, get_locale
from flask_login import current_user


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


def register_filters(app) -> None:
    """Jinja filters for dates and amounts in the visitor's language and the Paris time zone."""

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
