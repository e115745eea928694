"""Tamper evidence: each activity entry sealed as it is written, by a keyed chain, then verified."""

import hashlib
import json
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from models import db, utcnow
from models.activity import ActivityLog, ActivitySealHead
from services import activity_seal
from tests.fixtures.config import base_config


def add_entries(app, count, **values):
    """``count`` entries written through the session (as log_activity does), one commit."""
    with app.app_context():
        for i in range(count):
            db.session.add(ActivityLog(action="demo.step", detail=f"n={i}", **values))
        db.session.commit()
        return db.session.scalars(sa.select(ActivityLog.id).order_by(ActivityLog.id)).all()


def seal(runner):
    return runner.invoke(args=["activity", "seal"])


def verify(runner):
    return runner.invoke(args=["activity", "verify"])


def raw(app, sql, **params):
    """Act on the table the way someone with database access alone would."""
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(sa.text(sql), params)


def chain(app):
    """(id, seal_seq, seal) of every entry, in id order."""
    with app.app_context():
        return db.session.execute(
            sa.select(ActivityLog.id, ActivityLog.seal_seq, ActivityLog.seal).order_by(
                ActivityLog.id
            )
        ).all()


def test_the_request_that_writes_an_entry_seals_it(app, auth, runner):
    auth.create_client()
    auth.login()
    rows = chain(app)
    assert rows and all(seal and len(seal) == 64 for _, _, seal in rows)
    assert [seq for _, seq, _ in rows] == list(range(1, len(rows) + 1))
    result = verify(runner)
    assert result.exit_code == 0, result.output
    assert f"{len(rows)} entrée(s) scellée(s) vérifiée(s)" in result.output
    assert "0 entrée(s)" in seal(runner).output  # nothing left for the command


def test_an_entry_edited_right_after_its_request_is_caught(app, auth, runner):
    auth.create_client()
    auth.login()
    (entry_id, _, _), *_ = chain(app)
    raw(app, "UPDATE activity_log SET detail = 'rien' WHERE id = :id", id=entry_id)
    assert "0 entrée(s)" in seal(runner).output  # the edit cannot be blessed afterwards
    result = verify(runner)
    assert result.exit_code == 1
    assert f"entrée {entry_id} : modifiée après scellement" in result.output


def test_new_entries_extend_the_chain(app, runner):
    add_entries(app, 2)
    add_entries(app, 2)
    assert [seq for _, seq, _ in chain(app)] == [1, 2, 3, 4]
    assert verify(runner).exit_code == 0


def test_entries_written_outside_the_app_fail_verify_until_sealed(app, runner):
    add_entries(app, 2)
    raw(app, "INSERT INTO activity_log (created_at, action, outcome) VALUES (:t, 'x', 'success')",
        t=utcnow())  # fmt: skip
    result = verify(runner)
    assert result.exit_code == 1
    assert "1 entrée(s) non scellée(s)" in result.output
    result = seal(runner)
    assert result.exit_code == 0 and "1 entrée(s) scellée(s)" in result.output
    assert "0 entrée(s)" in seal(runner).output  # idempotent
    assert verify(runner).exit_code == 0
    assert [seq for _, seq, _ in chain(app)] == [1, 2, 3]


def test_a_rolled_back_entry_leaves_no_hole_in_the_chain(app, runner):
    with app.app_context():
        db.session.add(ActivityLog(action="demo.lost"))
        db.session.flush()
        db.session.rollback()
        with db.session.begin_nested():
            db.session.add(ActivityLog(action="demo.savepoint"))
        nested = db.session.begin_nested()
        db.session.add(ActivityLog(action="demo.undone"))
        db.session.flush()
        nested.rollback()
        db.session.add(ActivityLog(action="demo.kept"))
        db.session.commit()
        actions = db.session.scalars(sa.select(ActivityLog.action).order_by(ActivityLog.seal_seq))
        assert list(actions) == ["demo.savepoint", "demo.kept"]
    assert verify(runner).exit_code == 0


def test_two_writers_at_once_chain_in_commit_order(app, runner):
    """The first to insert commits last: on MariaDB its id is lower than its rank."""
    inserted, committed = threading.Event(), threading.Event()
    errors = []

    def first():
        try:
            with app.app_context():
                db.session.add(ActivityLog(action="demo.first"))
                db.session.flush()
                inserted.set()
                committed.wait(1)  # SQLite: the second writer waits for this commit instead
                db.session.commit()
        except Exception as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
            inserted.set()

    def second():
        try:
            inserted.wait(5)
            with app.app_context():
                db.session.add(ActivityLog(action="demo.second"))
                db.session.commit()
            committed.set()
        except Exception as error:  # noqa: BLE001 - reported by the test
            errors.append(error)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not errors
    with app.app_context():
        rows = db.session.execute(
            sa.select(ActivityLog.action, ActivityLog.seal_seq).order_by(ActivityLog.id)
        ).all()
        if db.engine.dialect.name != "sqlite":
            assert rows == [("demo.first", 2), ("demo.second", 1)]
    assert sorted(seq for _, seq in rows) == [1, 2]
    result = verify(runner)
    assert result.exit_code == 0, result.output


def test_changed_detail_is_reported(app, runner):
    ids = add_entries(app, 4)
    raw(app, "UPDATE activity_log SET detail = 'n=rien' WHERE id = :id", id=ids[1])
    result = verify(runner)
    assert result.exit_code == 1
    assert f"entrée {ids[1]} : modifiée après scellement" in result.output
    assert f"entrée {ids[2]}" not in result.output  # one change, one report


def test_deleted_entry_is_reported(app, runner):
    ids = add_entries(app, 4)
    raw(app, "DELETE FROM activity_log WHERE id = :id", id=ids[1])
    result = verify(runner)
    assert result.exit_code == 1
    assert f"1 entrée(s) supprimée(s) avant l'entrée {ids[2]}" in result.output


def test_deleted_first_entry_is_reported(app, runner):
    ids = add_entries(app, 3)
    raw(app, "DELETE FROM activity_log WHERE id = :id", id=ids[0])
    result = verify(runner)
    assert result.exit_code == 1
    assert f"1 entrée(s) supprimée(s) avant l'entrée {ids[1]}" in result.output


def test_deleted_last_entries_are_reported(app, runner):
    ids = add_entries(app, 3)
    raw(app, "DELETE FROM activity_log WHERE id = :id", id=ids[-1])
    result = verify(runner)
    assert result.exit_code == 1
    assert "fin de la chaîne supprimée" in result.output


def test_deleted_last_entries_and_head_row_are_reported_from_the_state_file(app, runner):
    ids = add_entries(app, 3)
    raw(app, "DELETE FROM activity_log WHERE id = :id", id=ids[-1])
    with app.app_context():  # the head row put back in step, as a careful intruder would
        second = db.session.get(ActivityLog, ids[1])
        head = db.session.get(ActivitySealHead, activity_seal.HEAD_ID)
        head.seq, head.entry_id, head.seal = 2, ids[1], second.seal
        db.session.commit()
    result = verify(runner)
    assert result.exit_code == 1
    assert f"entrée {ids[-1]} (scellée, enregistrée hors de la base) absente" in result.output


def test_recomputing_a_seal_without_the_key_is_caught(app, runner):
    ids = add_entries(app, 2)
    # A plain SHA-256 chain could be rebuilt by anyone; the HMAC key is not in the database.
    forged = hashlib.sha256(b"anything").hexdigest()
    raw(app, "UPDATE activity_log SET detail = 'x', seal = :s WHERE id = :id", s=forged, id=ids[0])
    assert verify(runner).exit_code == 1


@pytest.mark.settings(ACTIVITY_SEAL_KEY="another-key-0123456789")
def test_the_seal_depends_on_the_key(app, runner):
    add_entries(app, 1)
    with app.app_context():
        entry = db.session.scalar(sa.select(ActivityLog))
        app.config["ACTIVITY_SEAL_KEY"] = "yet-another-key-987654"
        assert activity_seal.compute_seal("", entry) != entry.seal
    assert verify(runner).exit_code == 1


def test_purge_with_anchor_keeps_the_chain_verifiable(app, runner):
    add_entries(app, 4)
    with app.app_context():
        activity_seal.record_purge(3)
        db.session.execute(sa.delete(ActivityLog).where(ActivityLog.seal_seq < 3))
        db.session.commit()
        state = json.loads(activity_seal.state_path().read_text())
    assert state["anchor"]["seq"] == 3
    result = verify(runner)
    assert result.exit_code == 0, result.output
    raw(app, "DELETE FROM activity_log WHERE seal_seq = 3")
    assert verify(runner).exit_code == 1


def test_unsealing_an_entry_is_reported(app, runner):
    ids = add_entries(app, 3)
    raw(app, "UPDATE activity_log SET seal = NULL, seal_seq = NULL WHERE id = :id", id=ids[1])
    result = verify(runner)
    assert result.exit_code == 1
    assert "non scellée" in result.output


def test_the_head_file_follows_the_head(app):
    ids = add_entries(app, 2)
    with app.app_context():
        recorded = activity_seal.read_head()
        last = db.session.get(ActivityLog, ids[-1])
    assert recorded == {"seq": 2, "id": ids[-1], "seal": last.seal}


def test_seal_lag_measures_the_unsealed_tail(app):
    add_entries(app, 1)
    with app.app_context():
        assert activity_seal.seal_lag() == timedelta(0)
        later = utcnow() + timedelta(hours=2)
    raw(app, "INSERT INTO activity_log (created_at, action, outcome) VALUES (:t, 'x', 'success')",
        t=later)  # fmt: skip
    with app.app_context():
        assert activity_seal.seal_lag() > activity_seal.MAX_SEAL_LAG


def test_entries_sealed_before_the_upgrade_keep_verifying(empty_database, tmp_path):
    """A log sealed by the old cron command (id order), plus entries it never sealed."""
    app = create_app(base_config(empty_database, tmp_path))
    with app.app_context():
        upgrade(revision="3421681e4925")
        previous, entries = "", []
        for n in range(3):
            entry = ActivityLog(id=n + 1, created_at=utcnow(), action="old", outcome="success")
            previous = activity_seal.compute_seal(previous, entry)
            entries.append({"id": n + 1, "created_at": entry.created_at, "seal": previous})
        with db.engine.begin() as connection:
            for values in entries:
                connection.execute(
                    sa.text(
                        "INSERT INTO activity_log (id, created_at, action, outcome, seal) "
                        "VALUES (:id, :created_at, 'old', 'success', :seal)"
                    ),
                    values,
                )
            connection.execute(
                sa.text(
                    "INSERT INTO activity_log (id, created_at, action, outcome) "
                    "VALUES (4, :t, 'never sealed', 'success')"
                ),
                {"t": utcnow()},
            )
        activity_seal.state_path().parent.mkdir(parents=True, exist_ok=True)
        activity_seal.state_path().write_text(json.dumps({"head": {"id": 3, "seal": previous}}))
        upgrade()
        runner = app.test_cli_runner()
        result = runner.invoke(args=["activity", "verify"])
        assert result.exit_code == 1 and "1 entrée(s) non scellée(s)" in result.output
        assert "1 entrée(s) scellée(s)" in runner.invoke(args=["activity", "seal"]).output
        result = runner.invoke(args=["activity", "verify"])
        assert result.exit_code == 0, result.output
        assert "4 entrée(s) scellée(s) vérifiée(s)" in result.output
        db.session.remove()
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        db.engine.dispose()


def insert_unsealed(app, created_at):
    raw(app, "INSERT INTO activity_log (created_at, action, outcome) VALUES (:t, 'x', 'success')",
        t=created_at)  # fmt: skip


@pytest.mark.parametrize(
    ("unsealed_after", "warned"),
    [(None, False), (timedelta(minutes=50), False), (timedelta(hours=2), True)],
)
def test_admin_home_warns_when_the_seal_is_an_hour_behind(
    app, client, auth, unsealed_after, warned
):
    auth.create_admin(enrolled=True)
    auth.login(email="admin@example.fr", totp=True)  # its entries are sealed as they are written
    if unsealed_after is not None:
        insert_unsealed(app, utcnow() + unsealed_after)
    page = client.get("/admin").get_data(as_text=True)
    assert ('id="panel-activity-seal"' in page) is warned
    if warned:
        assert "plus de 2 heures de retard" in page
        assert "flask --app app activity seal" in page
