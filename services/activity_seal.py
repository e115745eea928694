"""Tamper evidence for the activity log: each entry sealed, as it is written, by a keyed chain.

``seal(n) = HMAC-SHA256(key, seal(n-1) + "\\n" + canonical fields of n)``, the first entry
chained to the empty string. The key (``ACTIVITY_SEAL_KEY``) is not in the database: someone who
can only write the database cannot recompute the chain after changing or deleting an entry.

Sealing happens in the transaction that writes the entry, just before it commits (a session
hook), so no entry is ever committed unsealed and open to an edit that a later seal would bless.
Two transactions may commit in the other order than their ids, so the chain follows commit
order: each entry gets its rank ``seal_seq``. Appending takes a lock on the one row of
``activity_seal_head`` for the last moment of the commit only, during which the writer waits
for nothing else: no deadlock with the rows the request itself locked. On SQLite the database's
single writer gives the same order.

``flask --app app activity seal`` seals what was written without the session (raw SQL, entries
older than this mechanism); ``flask --app app activity verify`` recomputes the chain.

The chain alone cannot tell that its *last* entries were deleted, so the head (rank, id and seal
of the last sealed entry) is also written to a file outside the database after each commit
(``instance/activity-seal.head``). A retention purge of old entries records an anchor in the state
file next to it (:func:`record_purge`), from which the chain is then checked.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from hashlib import sha256
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from models import db
from models.activity import ActivityLog, ActivitySealHead
from services.crypto import HASH_KEYS, configured_keys

BATCH = 500
# What sealing adds to a commit that writes entries: read the locked head, write the seals
# (one UPDATE per entry), write the head.
SEAL_STATEMENTS = 3
HEAD_ID = 1
# The admin home warns when the newest sealed entry is further behind the newest entry.
MAX_SEAL_LAG = timedelta(hours=1)
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
IPV4_KEPT_BITS = 24
IPV6_KEPT_BITS = 48
IP_MAC_LENGTH = 32
HEAD_RECORD_LENGTH = 128  # rank, id and seal, padded: each write covers the previous one
_TO_SEAL = "activity_seal.to_seal"  # keys of Session.info
_NEW_HEAD = "activity_seal.new_head"


def ip_network(ip: str | None) -> str | None:
    """The network part of ``ip`` (/24 for IPv4, /48 for IPv6): what the log keeps of an address
    after ``ACTIVITY_LOG_IP_TRUNCATE_DAYS``. A value that is no address is returned as it is."""
    if not ip:
        return ip
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    prefix = IPV4_KEPT_BITS if address.version == 4 else IPV6_KEPT_BITS
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address)


def ip_mac(ip: str | None, key: bytes | None = None) -> str | None:
    """The keyed digest of a full address, sealed with the entry instead of the address."""
    if not ip:
        return None
    key = key if key is not None else seal_keys()[0]
    return hmac.new(key, b"ip\n" + ip.encode("utf-8"), sha256).hexdigest()[:IP_MAC_LENGTH]


def canonical(entry: ActivityLog) -> bytes:
    """The fields of ``entry`` covered by its seal, in a fixed text form.

    Dates count to the second: MariaDB's DATETIME keeps no fraction, SQLite does. An entry with
    an ``ip_mac`` seals the network part of its address and the digest of the full one, so that
    truncating the address keeps the seal; older entries seal the address as it is.
    """
    values = []
    for name in CANONICAL_FIELDS:
        value = getattr(entry, name)
        if name == "created_at" and value is not None:
            value = value.replace(microsecond=0).isoformat()
        if name == "ip" and entry.ip_mac is not None:
            value = ip_network(value)
        values.append(value)
    if entry.ip_mac is not None:
        values.append(entry.ip_mac)
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def ip_problem(entry: ActivityLog, keys: list[bytes]) -> str | None:
    """An address still whole must match the digest sealed with it."""
    if entry.ip_mac is None or not entry.ip or ip_network(entry.ip) == entry.ip:
        return None
    if any(hmac.compare_digest(ip_mac(entry.ip, key), entry.ip_mac) for key in keys):
        return None
    return f"entrée {entry.id} : adresse IP modifiée après scellement"


def seal_keys() -> list[bytes]:
    """The seal keys: the first seals, the others are previous keys that only ``crypto rotate``
    reads (to check the chain before sealing it again under the first)."""
    return configured_keys("ACTIVITY_SEAL_KEY", HASH_KEYS["ACTIVITY_SEAL_KEY"])


def compute_seal(previous: str, entry: ActivityLog, key: bytes | None = None) -> str:
    """The seal of ``entry`` chained to the seal ``previous`` of the entry before it."""
    key = key if key is not None else seal_keys()[0]
    return hmac.new(key, previous.encode("ascii") + b"\n" + canonical(entry), sha256).hexdigest()


# The state file, outside the database ---------------------------------------------------------


def state_path() -> Path:
    """Where the anchor of the chain is recorded, outside the database (the head: next to it)."""
    configured = current_app.config.get("ACTIVITY_SEAL_STATE_FILE")
    return Path(configured or Path(current_app.instance_path) / "activity-seal.json")


def read_state() -> dict:
    """The anchor of the chain as last recorded (empty when nothing was ever purged)."""
    try:
        return json.loads(state_path().read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}


def _write_state(state: dict) -> None:
    path = state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    # A temporary file of its own per writer (several processes write), then an atomic rename:
    # a reader never sees half a file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".activity-seal-", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        json.dump(state, file)
    os.replace(tmp, path)


def head_path() -> Path:
    """The file that holds the head of the chain, next to the state file."""
    return state_path().with_suffix(".head")


def read_head() -> dict | None:
    """The head as last recorded outside the database (or as the older state file held it)."""
    try:
        seq, entry_id, seal = head_path().read_text(encoding="ascii").split()
    except (FileNotFoundError, ValueError):
        return read_state().get("head")
    return {"seq": int(seq), "id": int(entry_id), "seal": seal}


def _record_head(head: dict) -> None:
    """Record ``head`` unless the file already holds a later one (commits finish in any order).

    Written after every commit that seals, so it must be cheap: one record of fixed length
    rewritten in place (a write of a few bytes that no reader sees half done) costs far less
    than a new file and a rename, which the disk has to journal.
    """
    recorded = read_head()
    if recorded and recorded.get("seq", -1) >= head["seq"]:
        return
    _write_head(head)


def _write_head(head: dict) -> None:
    record = f"{head['seq']} {head['id']} {head['seal']}".ljust(HEAD_RECORD_LENGTH - 1) + "\n"
    path = head_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        os.pwrite(fd, record.encode("ascii"), 0)
    finally:
        os.close(fd)


# Sealing ------------------------------------------------------------------------------------


# Core statements built once, rather than the unit of work: they run in every commit that
# writes an entry.
_LOG, _HEAD = ActivityLog.__table__, ActivitySealHead.__table__
_TOUCH_HEAD = _HEAD.update().where(_HEAD.c.id == HEAD_ID).values(seq=_HEAD.c.seq)
_READ_HEAD = sa.select(_HEAD.c.seq, _HEAD.c.seal).where(_HEAD.c.id == HEAD_ID).with_for_update()
_SET_IP_MAC = (
    _LOG.update().where(_LOG.c.id == sa.bindparam("entry")).values(ip_mac=sa.bindparam("ip_mac"))
)
_SEAL_ENTRY = (
    _LOG.update()
    .where(_LOG.c.id == sa.bindparam("entry"))
    .values(seal=sa.bindparam("new_seal"), seal_seq=sa.bindparam("rank"))
)
_MOVE_HEAD = (
    _HEAD.update()
    .where(_HEAD.c.id == HEAD_ID)
    .values(seq=sa.bindparam("rank"), entry_id=sa.bindparam("entry"), seal=sa.bindparam("new_seal"))
)


def _locked_head(session: Session, writing: bool = False) -> tuple[int, str]:
    """Rank and seal of the head, its row locked until the transaction ends (created if absent).

    ``writing``: the transaction has already written (its entries), which on SQLite holds the
    single writer lock already.
    """
    connection = session.connection()
    if not writing and connection.dialect.name == "sqlite":
        # SQLite ignores FOR UPDATE; a write takes its single writer lock, and the read after it
        # sees the latest commit.
        connection.execute(_TOUCH_HEAD)
    row = connection.execute(_READ_HEAD).first()
    if row is not None:
        return row.seq, row.seal
    # A schema made by create_all (the migration writes the row).
    anchor = read_state().get("anchor") or {}
    seq, seal = anchor.get("seq", 1) - 1, anchor.get("previous", "")
    connection.execute(_HEAD.insert().values(id=HEAD_ID, seq=seq, seal=seal))
    return seq, seal


def _append(session: Session, entries: list[ActivityLog], head: tuple[int, str]) -> None:
    """Chain ``entries`` (flushed, unsealed) after the locked ``head``, in id order."""
    key = seal_keys()[0]
    seq, previous = head
    connection = session.connection()
    for entry in sorted(entries, key=lambda e: e.id):
        seq += 1
        seal = compute_seal(previous, entry, key)
        connection.execute(_SEAL_ENTRY, {"entry": entry.id, "new_seal": seal, "rank": seq})
        # The object says what the row holds, without a second write by the unit of work.
        set_committed_value(entry, "seal", seal)
        set_committed_value(entry, "seal_seq", seq)
        previous = seal
    connection.execute(_MOVE_HEAD, {"rank": seq, "entry": entry.id, "new_seal": previous})
    session.info[_NEW_HEAD] = {"seq": seq, "id": entry.id, "seal": previous}


def _remember_new_entries(session, flush_context) -> None:
    """Note the entries this flush inserted, to seal them before the transaction commits."""
    new = [obj for obj in session.new if isinstance(obj, ActivityLog)]
    if new:
        session.info.setdefault(_TO_SEAL, []).extend(new)


def _seal_before_commit(session) -> None:
    """Seal the entries written in this transaction, in the same commit."""
    if not session.info.get(_TO_SEAL) and not any(
        isinstance(obj, ActivityLog) for obj in session.new
    ):
        return
    session.flush()
    # An entry rolled back with a savepoint is no longer persistent: nothing to seal.
    entries = [
        entry
        for entry in session.info.pop(_TO_SEAL, [])
        if sa.inspect(entry).persistent and entry.seal_seq is None
    ]
    if entries:
        _append(session, entries, _locked_head(session, writing=True))


def _record_head_after_commit(session) -> None:
    head = session.info.pop(_NEW_HEAD, None)
    if head is not None:
        _record_head(head)


def _forget_after_rollback(session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(_TO_SEAL, None)
        session.info.pop(_NEW_HEAD, None)


_LISTENERS = (
    ("after_flush", _remember_new_entries),
    ("before_commit", _seal_before_commit),
    ("after_commit", _record_head_after_commit),
    ("after_soft_rollback", _forget_after_rollback),
)


def init_app(app) -> None:
    """Seal every activity entry in the transaction that writes it (hooks on every session)."""
    for name, listener in _LISTENERS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


def seal_pending() -> int:
    """Seal, in id order, the committed entries that have no seal yet; returns how many.

    Entries written through the session are sealed as they commit; this catches those written
    another way (raw SQL, or before sealing at write time existed). Safe to run at any time.
    """
    sealed = 0
    db.session.commit()  # a fresh transaction: its first read comes after the head lock
    while True:
        head = _locked_head(db.session)
        batch = db.session.scalars(
            sa.select(ActivityLog)
            .where(ActivityLog.seal_seq.is_(None))
            .order_by(ActivityLog.id)
            .limit(BATCH)
        ).all()
        if batch:
            _append(db.session, batch, head)
            sealed += len(batch)
        db.session.commit()
        if len(batch) < BATCH:
            return sealed


class ChainBroken(Exception):
    """An entry's seal matches no configured key: the chain is not sealed again."""


def reseal_chain() -> int:
    """Seal the chain again under the first seal key; returns how many entries were resealed.

    For ``crypto rotate``: each seal is first checked against every configured key (the new one
    first, then the previous ones), so a chain someone altered is refused rather than blessed
    under the new key (:class:`ChainBroken`, nothing written). One transaction, holding the head:
    writers wait for it.
    """
    keys = seal_keys()
    db.session.commit()
    head_seq, _ = _locked_head(db.session)
    anchor = read_state().get("anchor") or {}
    expected = anchor.get("seq", 1)
    old_previous = new_previous = anchor.get("previous", "")
    connection = db.session.connection()
    count, last_id = 0, None
    for entry in _chain(expected - 1, head_seq):
        stored = entry.seal or ""
        valid = entry.seal_seq == expected and any(
            hmac.compare_digest(compute_seal(old_previous, entry, key), stored) for key in keys
        )
        if not valid or ip_problem(entry, keys):
            db.session.rollback()
            raise ChainBroken(entry.id)
        if entry.ip_mac is not None and entry.ip and ip_network(entry.ip) != entry.ip:
            # A whole address: its digest moves to the new key with the seal.
            new_mac = ip_mac(entry.ip, keys[0])
            connection.execute(_SET_IP_MAC, {"entry": entry.id, "ip_mac": new_mac})
            set_committed_value(entry, "ip_mac", new_mac)
        new_seal = compute_seal(new_previous, entry, keys[0])
        connection.execute(
            _SEAL_ENTRY, {"entry": entry.id, "new_seal": new_seal, "rank": entry.seal_seq}
        )
        old_previous, new_previous = stored, new_seal
        expected, last_id, count = expected + 1, entry.id, count + 1
    if count:
        connection.execute(
            _MOVE_HEAD, {"rank": expected - 1, "entry": last_id, "new_seal": new_previous}
        )
    db.session.commit()
    db.session.expire_all()
    if count:
        _write_head({"seq": expected - 1, "id": last_id, "seal": new_previous})
    return count


def record_purge(first_kept_seq: int) -> None:
    """Before deleting the entries ranked below ``first_kept_seq``: anchor the chain there."""
    previous = db.session.scalar(
        sa.select(ActivityLog.seal)
        .where(ActivityLog.seal_seq < first_kept_seq)
        .order_by(ActivityLog.seal_seq.desc())
        .limit(1)
    )
    state = read_state()
    state["anchor"] = {"seq": first_kept_seq, "previous": previous or ""}
    _write_state(state)


def seal_lag() -> timedelta | None:
    """How far the newest sealed entry is behind the newest entry (None: an empty log).

    With nothing sealed, the whole log is behind: measured from its oldest entry. One query
    (the admin home runs it), each part read from an index.
    """
    created = ActivityLog.created_at
    newest, sealed, oldest = db.session.execute(
        sa.select(
            sa.select(sa.func.max(created)).scalar_subquery(),
            sa.select(created)
            .where(ActivityLog.seal_seq.is_not(None))
            .order_by(ActivityLog.seal_seq.desc())
            .limit(1)
            .scalar_subquery(),
            sa.select(sa.func.min(created)).scalar_subquery(),
        )
    ).one()
    if newest is None:
        return None
    return max(newest - (sealed or oldest), timedelta(0))


# Verification -------------------------------------------------------------------------------


@dataclass
class ChainReport:
    """What :func:`verify_chain` found: how many seals it checked, and every problem."""

    checked: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def _chain(after_seq: int, last_seq: int | None = None):
    """The sealed entries ranked after ``after_seq`` (up to ``last_seq``), in chain order."""
    while True:
        query = sa.select(ActivityLog).where(ActivityLog.seal_seq > after_seq)
        if last_seq is not None:
            query = query.where(ActivityLog.seal_seq <= last_seq)
        batch = db.session.scalars(query.order_by(ActivityLog.seal_seq).limit(BATCH)).all()
        yield from batch
        if len(batch) < BATCH:
            return
        after_seq = batch[-1].seal_seq


def verify_chain(key: bytes | None = None) -> ChainReport:
    """Recompute every seal; report entries changed, removed, or left unsealed."""
    key = key if key is not None else seal_keys()[0]
    # The file first, then the head row: the file is written after each commit, so it is never
    # ahead of the row; entries appended while this runs are left for the next run.
    state = read_state()
    recorded = read_head()
    head = db.session.get(ActivitySealHead, HEAD_ID)
    anchor = state.get("anchor") or {}
    previous = anchor.get("previous", "")
    expected = anchor.get("seq", 1)  # the rank the next entry must have
    problems: list[str] = []
    checked = 0
    last = None
    for entry in _chain(expected - 1, head.seq if head else None):
        checked += 1
        missing = entry.seal_seq - expected
        if missing:
            problems.append(
                f"{missing} entrée(s) supprimée(s) avant l'entrée {entry.id} "
                f"(rangs {expected} à {entry.seal_seq - 1})"
            )
        elif entry.seal is None or not hmac.compare_digest(
            compute_seal(previous, entry, key), entry.seal
        ):
            problems.append(f"entrée {entry.id} : modifiée après scellement")
        elif problem := ip_problem(entry, [key, *seal_keys()]):
            problems.append(problem)
        previous, expected, last = entry.seal or "", entry.seal_seq + 1, entry
    problems += _unsealed_problems()
    problems += _tail_problems(head, recorded, last)
    return ChainReport(checked=checked, problems=problems)


def _unsealed_problems() -> list[str]:
    count, first = db.session.execute(
        sa.select(sa.func.count(), sa.func.min(ActivityLog.id)).where(
            ActivityLog.seal_seq.is_(None)
        )
    ).one()
    if not count:
        return []
    return [
        f"{count} entrée(s) non scellée(s), dès l'entrée {first} (scellement retiré, ou écrites "
        "hors de l'application : « flask --app app activity seal » les scelle si elles sont "
        "authentiques)"
    ]


def _tail_problems(
    head: ActivitySealHead | None, recorded: dict | None, last: ActivityLog | None
) -> list[str]:
    """Compare the end of the chain with the head row and the head recorded in the state file."""
    problems = []
    last_seq = last.seal_seq if last else 0
    if head is not None and head.seq > last_seq:
        problems.append(
            f"fin de la chaîne supprimée : rangs {last_seq + 1} à {head.seq} absents "
            "(ligne de tête de la base)"
        )
    if not recorded:
        if last is not None:
            problems.append("fichier d'état du scellement absent : fin de chaîne non vérifiable")
        return problems
    if "seq" in recorded:
        where = ActivityLog.seal_seq == recorded["seq"]
    else:  # written before entries had a rank
        where = ActivityLog.id == recorded["id"]
    stored = db.session.scalar(sa.select(ActivityLog.seal).where(where))
    if stored is None:
        problems.append(
            f"entrée {recorded['id']} (scellée, enregistrée hors de la base) absente : "
            "fin de la chaîne supprimée"
        )
    elif not hmac.compare_digest(stored, recorded["seal"]):
        problems.append(
            f"entrée {recorded['id']} : sceau différent de celui enregistré hors de la base"
        )
    return problems
