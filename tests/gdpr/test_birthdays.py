"""Birthday wishes: on the day, once a year, to clients who gave their date and did not object
(one click on their privacy page), never while restricted, never when BIRTHDAY_MAILS is off."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
import time_machine

from models import db
from models.client import Client
from services.birthdays import birthday_today
from tests.fixtures.accounts import page_text, sent_mails
from tests.fixtures.devices import client_id_of
from tests.fixtures.http import csrf_token_from


@pytest.fixture
def born(app, auth):
    return client_id_of(app, auth.create_client(first_name="Léa", birth_date=date(1990, 6, 15)))


def run(runner, day: date):
    with time_machine.travel(datetime(day.year, day.month, day.day, 7, tzinfo=UTC), tick=False):
        return runner.invoke(args=["gdpr", "birthdays"])


def test_the_client_is_greeted_on_the_day_once(app, runner, born):
    run(runner, date(2026, 6, 14))
    assert sent_mails(app, "birthday") == []
    result = run(runner, date(2026, 6, 15))
    assert "1 souhait" in result.output
    (mail,) = sent_mails(app, "birthday", to="client@example.fr")
    assert "Bonjour Léa" in mail.body_text and "/account/privacy" in mail.body_text
    run(runner, date(2026, 6, 15))
    assert len(sent_mails(app, "birthday")) == 1
    run(runner, date(2027, 6, 15))
    assert len(sent_mails(app, "birthday")) == 2


def test_an_objection_in_one_click_stops_the_wishes_and_can_be_withdrawn(
    app, client, auth, runner, born
):
    auth.login()
    page = page_text(client.get("/account/privacy"))
    assert "Ne plus recevoir de souhaits d'anniversaire" in page
    response = client.post(
        "/account/privacy/birthday-wishes/stop", data={"csrf_token": csrf_token_from(page)}
    )
    assert response.status_code == 303
    run(runner, date(2026, 6, 15))
    assert sent_mails(app, "birthday") == []
    page = page_text(client.get("/account/privacy"))
    assert "Vous ne recevez pas de souhaits d'anniversaire" in page
    client.post(
        "/account/privacy/birthday-wishes/resume", data={"csrf_token": csrf_token_from(page)}
    )
    run(runner, date(2027, 6, 15))
    assert len(sent_mails(app, "birthday")) == 1


def test_no_wishes_while_restricted(app, runner, born):
    with app.app_context():
        db.session.get(Client, born).restricted_at = datetime(2026, 1, 1)
        db.session.commit()
    run(runner, date(2026, 6, 15))
    assert sent_mails(app, "birthday") == []


@pytest.mark.settings(BIRTHDAY_MAILS=False)
def test_no_wishes_when_the_company_turns_them_off(app, client, runner, born):
    result = run(runner, date(2026, 6, 15))
    assert "désactivés" in result.output and sent_mails(app, "birthday") == []
    assert "ne sert à aucun envoi" in page_text(client.get("/confidentialite"))


@pytest.mark.parametrize(
    ("born_on", "today", "expected"),
    [
        (date(1990, 6, 15), date(2026, 6, 15), True),
        (date(1990, 6, 15), date(2026, 6, 16), False),
        (date(2000, 2, 29), date(2027, 2, 28), True),
        (date(2000, 2, 29), date(2028, 2, 28), False),
        (date(2000, 2, 29), date(2028, 2, 29), True),
    ],
)
def test_birthday_today(born_on, today, expected):
    assert birthday_today(born_on, today) is expected


def test_a_client_without_birth_date_is_told_it_is_not_used(app, client, auth):
    auth.create_client()
    auth.login()
    assert "Vous ne nous avez pas donné votre date de naissance" in page_text(
        client.get("/account/privacy")
    )
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Client)) == 1
