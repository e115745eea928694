"""Tamper evidence for the activity log: entries sealed in id order by a keyed hash chain.

``seal(n) = HMAC-SHA256(key, seal(n-1) + "\\n" + canonical fields of n)``, the first entry
chained to the empty string. The key (``ACTIVITY_SEAL_KEY``, by default derived from
``SECRET_KEY``) is not in the database: someone who can only write the database cannot
recompute the chain after changing or deleting an entry.

Sealing runs periodically (``flask --app app activity seal``, from cron) rather than at write
time: writers run in parallel transactions whose ids commit out of order, and a chain built at
write time would need a lock on its last link. Entries younger than
``ACTIVITY_SEAL_MIN_AGE_SECONDS`` are left for the next run, so a transaction still open does not
commit an id below the sealed ones.

The chain alone cannot tell that its *last* entries were deleted, so the head (id and seal of the
last sealed entry) is also written to a state file outside the database. A retention purge of
old entries records an anchor there (:func:`record_purge`), from which the chain is then checked.
"""

from __future__ import annotations

import hmac
import json
import os
from dataclasses import dataclass
from datetime import timedelta
from hashlib import sha256
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from models import db, utcnow
from models.activity import ActivityLog
from services.crypto import derived_key

BATCH = 500
CANONICAL_FIELDS = (
    "id",
    "created_at",
    "actor_id",
    "actor_role",
    "action",
    "target_type",
    "target_id",
    "ip",
    "user_agent",
    "outcome",
    "detail",
)


def canonical(entry: ActivityLog) -> bytes:
    """The fields of ``entry`` covered by its seal, in a fixed text form.

    Dates count to the second: MariaDB's DATETIME keeps no fraction, SQLite does.
    """
    values = []
    for name in CANONICAL_FIELDS:
        value = getattr(entry, name)
        if name == "created_at" and value is not None:
            value = value.replace(microsecond=0).isoformat()
        values.append(value)
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def compute_seal(previous: str, entry: ActivityLog) -> str:
    """The seal of ``entry`` chained to the seal ``previous`` of the entry before it."""
    key = derived_key("ACTIVITY_SEAL_KEY", "espace-client activity seal")
    return hmac.new(key, previous.encode("ascii") + b"\n" + canonical(entry), sha256).hexdigest()


# The state file, outside the database ---------------------------------------------------------


def state_path() -> Path:
    configured = current_app.config.get("ACTIVITY_SEAL_STATE_FILE")
    return Path(configured or Path(current_app.instance_path) / "activity-seal.json")


def read_state() -> dict:
    """The head and anchor of the chain as last recorded (empty when never sealed)."""
    try:
        return json.loads(state_path().read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


def _write_state(state: dict) -> None:
    path = state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state), encoding="utf-8")
    os.replace(tmp, path)  # atomic: a reader never sees half a file


# Sealing ------------------------------------------------------------------------------------


def _last_sealed() -> ActivityLog | None:
    return db.session.scalar(
        sa.select(ActivityLog)
        .where(ActivityLog.seal.is_not(None))
        .order_by(ActivityLog.id.desc())
        .limit(1)
    )


def seal_pending(min_age_seconds: int | None = None) -> int:
    """Seal, in id order, the entries after the last sealed one; returns how many.

    Idempotent and safe to run from cron: stops at the first entry younger than the minimum
    age, and two runs at once compute the same seals.
    """
    if min_age_seconds is None:
        min_age_seconds = current_app.config["ACTIVITY_SEAL_MIN_AGE_SECONDS"]
    cutoff = utcnow() - timedelta(seconds=min_age_seconds)
    last = _last_sealed()
    state = read_state()
    previous = last.seal if last else (state.get("anchor") or {}).get("previous", "")
    after_id = last.id if last else 0
    sealed = 0
    while True:
        batch = db.session.scalars(
            sa.select(ActivityLog)
            .where(ActivityLog.id > after_id, ActivityLog.seal.is_(None))
            .order_by(ActivityLog.id)
            .limit(BATCH)
        ).all()
        young = False
        for entry in batch:
            if entry.created_at > cutoff:
                young = True
                break
            entry.seal = compute_seal(previous, entry)
            previous, after_id = entry.seal, entry.id
            sealed += 1
        db.session.commit()
        if sealed:
            state["head"] = {"id": after_id, "seal": previous}
            _write_state(state)
        if young or len(batch) < BATCH:
            return sealed


def record_purge(first_kept_id: int) -> None:
    """Before deleting the (sealed) entries below ``first_kept_id``: anchor the chain there."""
    previous = db.session.scalar(
        sa.select(ActivityLog.seal)
        .where(ActivityLog.id < first_kept_id)
        .order_by(ActivityLog.id.desc())
        .limit(1)
    )
    state = read_state()
    state["anchor"] = {"id": first_kept_id, "previous": previous or ""}
    _write_state(state)


# Verification -------------------------------------------------------------------------------


@dataclass
class ChainReport:
    checked: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain() -> ChainReport:
    """Recompute every seal; report entries changed, removed, or left unsealed amid the chain."""
    state = read_state()
    anchor = state.get("anchor") or {}
    previous = anchor.get("previous", "")
    start = anchor.get("id", 0)
    problems: list[str] = []
    checked = 0
    last_id = None  # id of the entry seen just before, sealed or not
    unsealed_since = None  # first unsealed id after which a sealed entry would be a problem
    after_id = start - 1
    while True:
        batch = db.session.scalars(
            sa.select(ActivityLog)
            .where(ActivityLog.id > after_id)
            .order_by(ActivityLog.id)
            .limit(BATCH)
        ).all()
        for entry in batch:
            after_id = entry.id
            if last_id is None and anchor and entry.id != start:
                problems.append(
                    f"entrées {start} à {entry.id - 1} supprimées au début de la chaîne"
                )
            if entry.seal is None:
                unsealed_since = unsealed_since or entry.id
                last_id = entry.id
                continue
            if unsealed_since is not None:
                problems.append(
                    f"entrées non scellées entre des entrées scellées (dès l'entrée {unsealed_since})"
                )
                unsealed_since = None
            checked += 1
            if not hmac.compare_digest(compute_seal(previous, entry), entry.seal):
                if last_id is not None and entry.id != last_id + 1:
                    problems.append(
                        f"entrée {entry.id} : sceau invalide ; entrées {last_id + 1} à "
                        f"{entry.id - 1} supprimées, ou entrée {entry.id} modifiée"
                    )
                elif last_id is None and not anchor and checked == 1:
                    problems.append(
                        f"entrée {entry.id} : sceau invalide ; entrées précédentes supprimées, "
                        "ou entrée modifiée"
                    )
                else:
                    problems.append(f"entrée {entry.id} : modifiée après scellement")
            previous, last_id = entry.seal, entry.id
        if len(batch) < BATCH:
            break
    head = state.get("head")
    if head:
        stored = db.session.scalar(sa.select(ActivityLog.seal).where(ActivityLog.id == head["id"]))
        if stored is None:
            problems.append(
                f"entrée {head['id']} (la dernière scellée) absente ou descellée : "
                "fin de la chaîne supprimée"
            )
        elif not hmac.compare_digest(stored, head["seal"]):
            problems.append(f"entrée {head['id']} : sceau différent de celui enregistré")
    elif checked:
        problems.append("fichier d'état du scellement absent : fin de chaîne non vérifiable")
    return ChainReport(checked=checked, problems=problems)
