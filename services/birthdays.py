"""Birthday wishes: the one use the policy gives the birth date ("vous souhaiter votre
anniversaire"). ``flask --app app gdpr birthdays`` (daily) greets, on the day, every client who
gave their birth date, did not object, and whose processing is not restricted; once a year.
Someone born on 29 February is greeted on 28 February in other years. ``BIRTHDAY_MAILS = False``
turns it off (the privacy page then says the date is not used).
"""

from __future__ import annotations

import calendar
from datetime import date

import sqlalchemy as sa
from flask import current_app

from models import db
from models.client import Client
from models.user import User
from services.i18n import lazy_gettext as _l
from services.mail import mail_url, send_mail


def birthday_today(born: date, today: date) -> bool:
    """Whether someone born on ``born`` has their birthday on ``today``."""
    if (born.month, born.day) == (today.month, today.day):
        return True
    return (
        (born.month, born.day) == (2, 29)
        and (today.month, today.day) == (2, 28)
        and not calendar.isleap(today.year)
    )


def clients_to_greet(today: date) -> list[Client]:
    """The clients to greet today who were not greeted this year."""
    same_month = sa.extract("month", Client.birth_date) == today.month
    candidates = db.session.scalars(
        sa.select(Client)
        .join(User, Client.user_id == User.id)
        .where(
            Client.birth_date.is_not(None),
            same_month,
            Client.birthday_objected_at.is_(None),
            Client.restricted_at.is_(None),
            User.is_enabled.is_(True),
            sa.or_(
                Client.birthday_greeted_year.is_(None), Client.birthday_greeted_year < today.year
            ),
        )
    ).all()
    return [client for client in candidates if birthday_today(client.birth_date, today)]


def send_birthday_wishes(today: date) -> int:
    """Greet today's clients; each is marked for the year in the same transaction as the mail."""
    if not current_app.config["BIRTHDAY_MAILS"]:
        return 0
    sent = 0
    for client in clients_to_greet(today):
        user = client.user
        send_mail(
            user.email,
            "birthday",
            _l("Joyeux anniversaire !"),
            locale=user.locale,
            first_name=client.first_name or "",
            link=mail_url("gdpr.account_privacy"),
        )
        client.birthday_greeted_year = today.year
        db.session.commit()
        sent += 1
    return sent
