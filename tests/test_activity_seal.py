"""Tamper evidence: the activity log sealed by a keyed hash chain, then verified."""

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from models import db, utcnow
from models.activity import ActivityLog
from services import activity_seal


def add_entries(app, count, **values):
    with app.app_context():
        for i in range(count):
            db.session.add(ActivityLog(action="demo.step", detail=f"n={i}", **values))
        db.session.commit()
        return db.session.scalars(sa.select(ActivityLog.id).order_by(ActivityLog.id)).all()


def seal(runner):
    return runner.invoke(args=["activity", "seal", "--min-age", "0"])


def verify(runner):
    return runner.invoke(args=["activity", "verify"])


def raw(app, sql, **params):
    """Tamper with the table the way someone with database access alone would."""
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(sa.text(sql), params)


def test_seal_then_verify_is_clean_and_sealing_is_idempotent(app, runner):
    add_entries(app, 5)
    result = seal(runner)
    assert result.exit_code == 0 and "5 entrée(s) scellée(s)" in result.output
    with app.app_context():
        seals = db.session.scalars(sa.select(ActivityLog.seal).order_by(ActivityLog.id)).all()
    assert all(s and len(s) == 64 for s in seals) and len(set(seals)) == 5
    assert "0 entrée(s)" in seal(runner).output
    with app.app_context():
        again = db.session.scalars(sa.select(ActivityLog.seal).order_by(ActivityLog.id)).all()
    assert again == seals
    result = verify(runner)
    assert result.exit_code == 0, result.output
    assert "5 entrée(s) scellée(s) vérifiée(s)" in result.output


def test_new_entries_extend_the_chain(app, runner):
    add_entries(app, 2)
    seal(runner)
    add_entries(app, 2)
    assert "2 entrée(s)" in seal(runner).output
    assert verify(runner).exit_code == 0


def test_recent_entries_wait_for_the_next_run(app, runner):
    add_entries(app, 2)
    result = runner.invoke(args=["activity", "seal"])  # default minimum age: 60 s
    assert "0 entrée(s)" in result.output
    with app.app_context():
        old = utcnow() - timedelta(minutes=5)
        db.session.execute(sa.update(ActivityLog).values(created_at=old))
        db.session.commit()
    assert "2 entrée(s)" in runner.invoke(args=["activity", "seal"]).output


def test_changed_detail_is_reported(app, runner):
    ids = add_entries(app, 4)
    seal(runner)
    raw(app, "UPDATE activity_log SET detail = 'n=rien' WHERE id = :id", id=ids[1])
    result = verify(runner)
    assert result.exit_code == 1
    assert f"entrée {ids[1]} : modifiée après scellement" in result.output
    assert f"entrée {ids[2]}" not in result.output  # one change, one report


def test_deleted_entry_is_reported(app, runner):
    ids = add_entries(app, 4)
    seal(runner)
    raw(app, "DELETE FROM activity_log WHERE id = :id", id=ids[1])
    result = verify(runner)
    assert result.exit_code == 1
    assert f"entrées {ids[1]} à {ids[1]} supprimées" in result.output


def test_deleted_first_entry_is_reported(app, runner):
    ids = add_entries(app, 3)
    seal(runner)
    raw(app, "DELETE FROM activity_log WHERE id = :id", id=ids[0])
    result = verify(runner)
    assert result.exit_code == 1
    assert "entrées précédentes supprimées" in result.output


def test_deleted_last_entries_are_reported_from_the_state_file(app, runner):
    ids = add_entries(app, 3)
    seal(runner)
    raw(app, "DELETE FROM activity_log WHERE id = :id", id=ids[-1])
    result = verify(runner)
    assert result.exit_code == 1
    assert "fin de la chaîne supprimée" in result.output


def test_recomputing_a_seal_without_the_key_is_caught(app, runner):
    ids = add_entries(app, 2)
    seal(runner)
    import hashlib

    # A plain SHA-256 chain could be rebuilt by anyone; the HMAC key is not in the database.
    forged = hashlib.sha256(b"anything").hexdigest()
    raw(app, "UPDATE activity_log SET detail = 'x', seal = :s WHERE id = :id", s=forged, id=ids[0])
    assert verify(runner).exit_code == 1


@pytest.mark.settings(ACTIVITY_SEAL_KEY="another-key-0123456789")
def test_the_seal_depends_on_the_key(app, runner):
    add_entries(app, 1)
    seal(runner)
    with app.app_context():
        entry = db.session.scalar(sa.select(ActivityLog))
        app.config["ACTIVITY_SEAL_KEY"] = "yet-another-key-987654"
        assert activity_seal.compute_seal("", entry) != entry.seal


def test_purge_with_anchor_keeps_the_chain_verifiable(app, runner):
    ids = add_entries(app, 4)
    seal(runner)
    with app.app_context():
        activity_seal.record_purge(ids[2])
        db.session.execute(sa.delete(ActivityLog).where(ActivityLog.id < ids[2]))
        db.session.commit()
        state = json.loads(activity_seal.state_path().read_text())
    assert state["anchor"]["id"] == ids[2]
    result = verify(runner)
    assert result.exit_code == 0, result.output
    raw(app, "DELETE FROM activity_log WHERE id = :id", id=ids[2])
    assert verify(runner).exit_code == 1


def test_unsealed_entry_amid_sealed_ones_is_reported(app, runner):
    ids = add_entries(app, 3)
    seal(runner)
    raw(app, "UPDATE activity_log SET seal = NULL WHERE id = :id", id=ids[1])
    result = verify(runner)
    assert result.exit_code == 1
    assert "non scellées" in result.output
