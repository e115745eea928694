"""The retention purge: a notice first, the erasure once the period and the notice have run,
nothing while a legal hold, an open ticket or an unpaid invoice holds the data; the activity log
keeps a year; `--dry-run` changes nothing; a second run the same day does nothing more."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from models import db
from models.activity import ActivityLog
from models.client import Client
from models.retention import LegalHold, RetentionNotice
from models.user import User
from services.purge import BLOCKED, ERASE, NOTICE, WAIT, decide
from services.retention import RetentionClock
from tests.fixtures.accounts import page_text, sent_mails
from tests.fixtures.devices import add_intervention, client_id_of
from tests.fixtures.http import csrf_token_from
from tests.fixtures.invoices import SELLER, make_issued
from tests.fixtures.tickets import add_ticket

pytestmark = pytest.mark.settings(**SELLER)

# The client's last intervention ended on 1 March 2025: kept until 1 March 2026.
ENDED = datetime(2025, 3, 1, 12)
END = date(2026, 3, 1)


@pytest.fixture
def old_client(app, auth):
    user_id = auth.create_client(email="ancien@example.fr", last_name="Ancien")
    client_id = client_id_of(app, user_id)
    with app.app_context():
        db.session.get(User, user_id).last_login_at = datetime(2024, 1, 1)
        db.session.commit()
    add_intervention(
        app, client_id, starts_at=ENDED - timedelta(hours=2), status="done", ended_at=ENDED
    )
    return client_id


def purge(runner, day: date, *args):
    with time_machine.travel(datetime(day.year, day.month, day.day, 9, tzinfo=UTC), tick=False):
        return runner.invoke(args=["gdpr", "purge", *args])


def exists(app, client_id) -> bool:
    with app.app_context():
        return db.session.get(Client, client_id) is not None


def test_the_notice_goes_a_month_before_then_the_erasure_after_the_end(app, runner, old_client):
    result = purge(runner, END - timedelta(days=40))
    assert result.exit_code == 0 and sent_mails(app, "retention_notice") == []

    result = purge(runner, END - timedelta(days=30))
    assert result.exit_code == 0, result.output
    (notice,) = sent_mails(app, "retention_notice", to="ancien@example.fr")
    assert "1 mars 2026" in notice.body_text and "365 jours" in notice.body_text
    assert purge(runner, END - timedelta(days=29)).exit_code == 0  # idempotent: no second mail
    assert len(sent_mails(app, "retention_notice")) == 1

    purge(runner, END - timedelta(days=1))
    assert exists(app, old_client)
    result = purge(runner, END)
    assert "1 client(s) effacé(s)" in result.output, result.output
    assert not exists(app, old_client)
    assert len(sent_mails(app, "erasure_done")) == 1


def test_without_a_notice_the_erasure_waits_a_month_after_it(app, runner, old_client):
    late = END + timedelta(days=100)
    purge(runner, late)
    assert len(sent_mails(app, "retention_notice")) == 1 and exists(app, old_client)
    purge(runner, late + timedelta(days=29))
    assert exists(app, old_client)
    purge(runner, late + timedelta(days=30))
    assert not exists(app, old_client)


def test_a_new_intervention_moves_the_end_and_the_notice(app, runner, old_client):
    purge(runner, END - timedelta(days=30))
    add_intervention(
        app,
        old_client,
        starts_at=datetime(2026, 2, 1, 9),
        status="done",
        ended_at=datetime(2026, 2, 1, 11),
    )
    purge(runner, END + timedelta(days=5))
    assert exists(app, old_client)
    with app.app_context():
        assert db.session.scalars(sa.select(RetentionNotice.ends_on)).all() == [END]


@pytest.mark.parametrize("holder", ["legal_hold", "open_ticket", "unpaid_invoice"])
def test_something_that_holds_the_data_stops_the_purge(app, runner, old_client, holder):
    purge(runner, END - timedelta(days=30))
    if holder == "legal_hold":
        with app.app_context():
            db.session.add(LegalHold(client_id=old_client, reason="Litige en cours"))
            db.session.commit()
    elif holder == "open_ticket":
        add_ticket(app, old_client)
    else:
        make_issued(app, old_client)
    result = purge(runner, END + timedelta(days=10), "--dry-run")
    assert "conservé" in result.output
    purge(runner, END + timedelta(days=10))
    assert exists(app, old_client)


def test_a_dry_run_says_what_would_happen_and_changes_nothing(app, runner, old_client):
    result = purge(runner, END - timedelta(days=10), "--dry-run")
    assert f"client {old_client} : avis de suppression" in result.output
    assert "fin de conservation 2026-03-01" in result.output
    assert "rien n'a été modifié" in result.output
    assert sent_mails(app, "retention_notice") == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RetentionNotice)) == 0


def test_activity_entries_older_than_a_year_go_and_the_chain_still_verifies(app, runner, auth):
    with time_machine.travel(datetime(2025, 1, 10, 9, tzinfo=UTC), tick=False):
        auth.create_client(email="vieux@example.fr")
        auth.login("vieux@example.fr")  # logs a login, sealed
    with time_machine.travel(datetime(2026, 3, 1, 9, tzinfo=UTC), tick=False):
        auth.login("vieux@example.fr")
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(ActivityLog))
    result = purge(runner, date(2026, 3, 2))
    assert result.exit_code == 0, result.output
    with app.app_context():
        dates = db.session.scalars(sa.select(ActivityLog.created_at)).all()
    assert dates and min(dates) >= datetime(2025, 3, 2) and len(dates) < before + 1
    verified = runner.invoke(args=["activity", "verify"])
    assert verified.exit_code == 0, verified.output


@pytest.mark.parametrize(
    ("ends_on", "noticed", "holds", "action"),
    [
        (date(2026, 3, 1), None, [], NOTICE),
        (date(2026, 3, 1), date(2026, 1, 30), [], WAIT),  # before the end
        (date(2026, 2, 1), date(2026, 1, 1), [], ERASE),
        (date(2026, 2, 1), date(2026, 1, 20), [], WAIT),  # notice less than 30 days ago
        (date(2026, 2, 1), date(2026, 1, 1), ["conservation légale"], BLOCKED),
        (date(2026, 2, 1), None, ["ticket"], BLOCKED),
    ],
)
def test_decide(ends_on, noticed, holds, action):
    clock = RetentionClock(1, ends_on - timedelta(days=365), "interventions", ends_on)
    noticed_at = datetime(noticed.year, noticed.month, noticed.day) if noticed else None
    assert decide(clock, date(2026, 2, 15), noticed_at, holds, 30).action == action


def test_an_admin_places_and_lifts_a_legal_hold(app, client, auth, old_client):
    auth.create_admin(enrolled=True)
    auth.login("admin@example.fr", totp=True)
    url = f"/admin/clients/{old_client}/legal-hold"
    page = client.get(url).get_data(as_text=True)
    response = client.post(url, data={"csrf_token": csrf_token_from(page), "reason": ""})
    assert response.status_code == 422
    assert "Indiquez le motif de la conservation." in page_text(response)
    response = client.post(
        url, data={"csrf_token": csrf_token_from(page), "reason": "Litige facture"}
    )
    assert response.status_code == 303
    text = page_text(client.get(f"/admin/clients/{old_client}"))
    assert "Conservation légale depuis le" in text and "Litige facture" in text
    response = client.post(f"{url}/lift", data={"csrf_token": csrf_token_from(text)})
    assert response.status_code == 303
    with app.app_context():
        hold = db.session.scalars(sa.select(LegalHold)).one()
        assert hold.lifted_at is not None and hold.reason == "Litige facture"
    assert "Placer une conservation légale" in page_text(client.get(f"/admin/clients/{old_client}"))


def test_a_client_cannot_place_a_hold(client, auth, old_client):
    auth.login("ancien@example.fr")
    assert client.get(f"/admin/clients/{old_client}/legal-hold").status_code == 404


def archive(app, invoice_id: int) -> str:
    """Detach an issued invoice from its client, as an erasure does; returns its PDF's name."""
    from models.invoice import Invoice, Payment

    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        db.session.add(
            Payment(
                invoice_id=invoice_id,
                paid_on=invoice.issued_on,
                amount_cents=100,
                method="transfer",
            )
        )
        invoice.client_id = None
        db.session.commit()
        return invoice.pdf_stored_name


@pytest.mark.settings(INVOICE_ARCHIVE_YEARS=10)
def test_the_legal_archive_is_destroyed_after_its_years_and_not_before(app, runner, old_client):
    from models.invoice import InvoiceLine, Payment

    older = make_issued(app, old_client, day=date(2015, 12, 31))
    newer = make_issued(app, old_client, day=date(2016, 1, 1))
    attached = make_issued(app, old_client, day=date(2015, 6, 1))  # its client is still here
    older_pdf, newer_pdf = archive(app, older), archive(app, newer)
    assert stored(app, older_pdf)

    dry = purge(runner, date(2026, 1, 2), "--dry-run")
    assert "1 facture(s) archivée(s) au-delà de la durée légale" in dry.output
    assert exists_invoice(app, older)

    result = purge(runner, date(2026, 1, 2))
    assert result.exit_code == 0, result.output
    assert "1 facture(s) archivée(s) détruite(s)" in result.output
    assert not exists_invoice(app, older) and not stored(app, older_pdf)
    assert exists_invoice(app, newer) and stored(app, newer_pdf)
    assert exists_invoice(app, attached)
    with app.app_context():
        assert (
            db.session.scalar(sa.select(sa.func.count()).where(InvoiceLine.invoice_id == older))
            == 0
        )
        assert db.session.scalar(sa.select(sa.func.count()).where(Payment.invoice_id == older)) == 0
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).where(
                    ActivityLog.action == "gdpr.invoice_archive_purged"
                )
            )
            == 1
        )

    assert "0 facture(s) archivée(s) détruite(s)" in purge(runner, date(2026, 12, 31)).output
    assert "1 facture(s) archivée(s) détruite(s)" in purge(runner, date(2027, 1, 1)).output
    assert not exists_invoice(app, newer)


def exists_invoice(app, invoice_id: int) -> bool:
    from models.invoice import Invoice

    with app.app_context():
        return db.session.get(Invoice, invoice_id) is not None


def stored(app, name: str) -> bool:
    from services import file_store

    with app.app_context():
        return file_store.path(name).exists()


def log_from(app, address: str, action: str, day: datetime) -> None:
    from services.activity import log_activity

    with (
        time_machine.travel(day, tick=False),
        app.test_request_context(environ_base={"REMOTE_ADDR": address}),
    ):
        log_activity(action)
        db.session.commit()


def addresses(app) -> dict[str, str]:
    with app.app_context():
        return dict(
            db.session.execute(
                sa.select(ActivityLog.action, ActivityLog.ip).where(
                    ActivityLog.action.like("test.%")
                )
            ).all()
        )


@pytest.mark.settings(ACTIVITY_LOG_IP_TRUNCATE_DAYS=90)
def test_old_addresses_are_cut_to_their_network_and_the_chain_still_verifies(app, runner):
    old = datetime(2026, 1, 1, 9, tzinfo=UTC)
    log_from(app, "203.0.113.57", "test.old", old)
    log_from(app, "2001:db8:1234:5678::9", "test.old6", old)
    log_from(app, "198.51.100.23", "test.recent", datetime(2026, 3, 1, 9, tzinfo=UTC))
    assert addresses(app)["test.old"] == "203.0.113.57"

    result = purge(runner, date(2026, 3, 31))  # 89 days: not yet
    assert "0 adresse(s) IP tronquée(s)" in result.output, result.output
    result = purge(runner, date(2026, 4, 2))  # 91 days
    assert "2 adresse(s) IP tronquée(s)" in result.output, result.output
    assert addresses(app) == {
        "test.old": "203.0.113.0",
        "test.old6": "2001:db8:1234::",
        "test.recent": "198.51.100.23",
    }
    assert "0 adresse(s) IP tronquée(s)" in purge(runner, date(2026, 4, 3)).output
    verified = runner.invoke(args=["activity", "verify"])
    assert verified.exit_code == 0, verified.output

    # A whole address is still sealed: changing it is caught.
    with app.app_context():
        db.session.execute(
            sa.update(ActivityLog)
            .where(ActivityLog.action == "test.recent")
            .values(ip="198.51.100.99")
        )
        db.session.commit()
    verified = runner.invoke(args=["activity", "verify"])
    assert verified.exit_code == 1
    assert "adresse IP modifiée après scellement" in verified.output
