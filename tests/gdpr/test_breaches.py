"""The breach register (GDPR arts. 33 and 34): recorded and completed by admins, the 72-hour
deadline shown and its overrun flagged, incoherent dates and missing reasons refused with the
typing kept and nothing written; clients never see it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from blueprints.gdpr.breaches import breach_problem, notification_deadline, notification_overdue
from models import db
from models.activity import ActivityLog
from models.breach import Breach
from tests.fixtures.accounts import page_text
from tests.fixtures.database import count_rows
from tests.fixtures.http import csrf_token_from

VALID = {
    "detected_at": "2026-03-10T09:30",
    "occurred_at": "",
    "natures": ["confidentiality"],
    "description": "Un ordinateur portable de l'équipe a été volé.",
    "data_categories": "Noms et adresses e-mail de clients",
    "persons_count": "40",
    "persons_description": "",
    "consequences": "",
    "measures": "Mots de passe changés",
    "risk": "risk",
    "cnil_notified_at": "",
    "persons_informed_at": "",
    "reason_not_notified": "",
    "closed_at": "",
}


@pytest.fixture
def admin(app, auth):
    auth.create_admin(enrolled=True)
    auth.login("admin@example.fr", totp=True)


def post_new(client, **changes):
    page = client.get("/admin/gdpr/breaches/new").get_data(as_text=True)
    data = {**VALID, **changes, "csrf_token": csrf_token_from(page)}
    return client.post("/admin/gdpr/breaches/new", data=data)


def test_an_admin_records_a_breach_and_sees_its_deadline(app, client, admin):
    response = post_new(client)
    assert response.status_code == 303
    with app.app_context():
        breach = db.session.scalars(sa.select(Breach)).one()
        assert breach.natures == "confidentiality" and breach.persons_count == 40
        assert breach.detected_at == datetime(2026, 3, 10, 8, 30)  # Paris time, stored UTC
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).where(ActivityLog.action == "breach.recorded")
            )
            == 1
        )
    text = page_text(client.get("/admin/gdpr/breaches"))
    assert "délai de 72 h dépassé" in text  # detected in March, never notified
    detail = page_text(client.get(response.headers["Location"]))
    assert "Un ordinateur portable" in detail and "13 mars 2026" in detail


def test_an_admin_completes_a_breach(app, client, admin):
    location = post_new(client).headers["Location"]
    edit = f"{location}/edit"
    page = client.get(edit).get_data(as_text=True)
    assert 'value="2026-03-10T09:30"' in page
    data = {
        **VALID,
        "cnil_notified_at": "2026-03-11T10:00",
        "closed_at": "2026-03-20T10:00",
        "csrf_token": csrf_token_from(page),
    }
    assert client.post(edit, data=data).status_code == 303
    with app.app_context():
        breach = db.session.scalars(sa.select(Breach)).one()
        assert breach.cnil_notified_at == datetime(2026, 3, 11, 9, 0)
        assert breach.closed_at is not None
    assert "délai de 72 h dépassé" not in page_text(client.get("/admin/gdpr/breaches"))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"detected_at": ""}, "Indiquez quand la violation a été détectée."),
        ({"detected_at": "hier"}, "Date et heure invalides"),
        ({"detected_at": "2099-01-01T10:00"}, "ne peut pas être dans le futur"),
        ({"occurred_at": "2026-03-11T09:30"}, "ne peut pas avoir eu lieu après sa détection"),
        ({"cnil_notified_at": "2026-03-01T09:30"}, "ne peut pas précéder la détection"),
        ({"natures": []}, "Cochez au moins une nature de violation."),
        ({"natures": ["fire"]}, "Choisissez dans la liste."),
        ({"description": ""}, "Décrivez la violation."),
        ({"persons_count": "-3"}, "Un nombre entre 0 et 10 000 000."),
        ({"risk": "none"}, "expliquez pourquoi le risque est peu probable"),
        (
            {"risk": "high", "closed_at": "2026-03-20T10:00"},
            "Un risque élevé impose d'informer les personnes",
        ),
    ],
)
def test_bad_input_is_refused_with_its_reason_and_the_typing_kept(
    app, client, admin, changes, message
):
    response = post_new(client, **changes)
    assert response.status_code == 422
    text = page_text(response)
    assert message in text
    assert "Noms et adresses e-mail de clients" in text  # the typing kept
    assert count_rows(app, Breach) == 0


def test_the_rules_of_the_deadline():
    detected = datetime(2026, 3, 10, 8, 30)
    assert notification_deadline(detected) == detected + timedelta(hours=72)
    breach = Breach(detected_at=detected, risk="risk", natures="integrity")
    assert not notification_overdue(breach, detected + timedelta(hours=72))
    assert notification_overdue(breach, detected + timedelta(hours=72, seconds=1))
    breach.risk = "none"
    assert not notification_overdue(breach, detected + timedelta(days=10))
    breach.risk = "risk"
    breach.cnil_notified_at = detected + timedelta(hours=10)
    assert not notification_overdue(breach, detected + timedelta(days=10))


def test_a_reasoned_unlikely_risk_needs_no_notification():
    values = {
        "detected_at": datetime(2026, 3, 10),
        "risk": "none",
        "reason_not_notified": "Données chiffrées, clé non compromise",
    }
    assert breach_problem(values, datetime(2026, 3, 11)) is None


def test_the_register_is_404_for_a_client(app, client, auth):
    auth.create_client()
    auth.login()
    for url in ("/admin/gdpr/breaches", "/admin/gdpr/breaches/new", "/admin/gdpr/breaches/1"):
        assert client.get(url).status_code == 404


def test_an_empty_register_says_so(client, admin):
    assert "Aucune violation enregistrée." in page_text(client.get("/admin/gdpr/breaches"))
