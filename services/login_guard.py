"""Wrong passwords: throttled and locked per account *and* source, never the account as a whole.

A lock on the whole account would let anyone lock anyone out, the admin included, by typing
wrong passwords. Instead failures are counted per account and per source (an IPv4 address, or
an IPv6 /64, the block one subscriber usually holds):

- from one source, after ``LOGIN_THROTTLE_AFTER`` failures each new try waits a delay that
  doubles up to ``LOGIN_THROTTLE_MAX_SECONDS``; at ``LOGIN_MAX_FAILURES`` that source (only)
  is locked out of the account for ``LOGIN_LOCKOUT_BASE_MINUTES``, doubling up to a day;
- across sources, once ``LOGIN_ATTACK_FAILURES`` failures from at least two sources fall within
  ``LOGIN_ATTACK_WINDOW_MINUTES``, the account is *under attack*: logins from a source the owner
  has not logged in from within ``LOGIN_USUAL_SOURCE_DAYS`` must solve a harder CAPTCHA
  (``web.captcha``); the owner's usual network logs in as always;
- the owner is mailed (at most once a day) when a source is locked or an attack starts, and
  the activity log records both.

The account is a keyed hash of the address typed, so unknown addresses are counted, throttled
and hardened exactly like real ones: none of this tells whether an account exists. Counts live
in the database (``login_failure``), shared by every process and server; each failure is one
atomic upsert. The caller commits.
"""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta
from hashlib import sha256

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import mysql, sqlite

from models import db, utcnow
from models.activity import ActivityLog
from models.login_failure import LoginFailure
from models.user import User
from services.activity import log_activity
from services.crypto import derived_key
from services.i18n import lazy_gettext as _l
from services.mail import mail_url, send_mail

IPV6_GROUP_PREFIX = 64
FORGET_AFTER = timedelta(hours=24)  # a row is forgotten a day after its last failure
ATTACK_NOTICE_INTERVAL = timedelta(days=1)
USUAL_SOURCE_LOGINS = 50  # the owner's latest successful logins looked at

# Why a try is refused before the password is even checked.
THROTTLED = "throttled"
LOCKED = "locked"

LOCKED_ACTION = "auth.locked"
ATTACK_ACTION = "auth.attack"


def source_of(address: str | None) -> str:
    """The source a failure is counted against: the IPv4 address, or the IPv6 /64 block.

    One subscriber holds a whole /64: counting single IPv6 addresses would give an attacker
    2^64 fresh sources.
    """
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return (address or "?")[:64]
    if ip.version == 6 and ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/{IPV6_GROUP_PREFIX}", strict=False))
    return str(ip)


def account_key(email: str) -> str:
    """The keyed hash that stands for the address typed (canonical), known account or not."""
    key = derived_key("LOGIN_GUARD_KEY", "espace-client login failures")
    return hmac.new(key, email.strip().lower().encode(), sha256).hexdigest()


def lockout_duration(lockout_count: int) -> timedelta:
    """How long the ``lockout_count``-th lock-out in a row of a source lasts: doubling, to a day."""
    config = current_app.config
    minutes = config["LOGIN_LOCKOUT_BASE_MINUTES"] * 2 ** max(lockout_count - 1, 0)
    return timedelta(minutes=min(minutes, config["LOGIN_LOCKOUT_MAX_MINUTES"]))


def throttle_delay(streak: int) -> timedelta:
    """The wait imposed before the next try after ``streak`` failures in a row from a source."""
    config = current_app.config
    extra = streak - config["LOGIN_THROTTLE_AFTER"]
    if extra < 0:
        return timedelta(0)
    seconds = config["LOGIN_THROTTLE_BASE_SECONDS"] * 2 ** min(extra, 20)
    return timedelta(seconds=min(seconds, config["LOGIN_THROTTLE_MAX_SECONDS"]))


@dataclass(frozen=True)
class Refusal:
    """A try refused before the password is checked: ``reason`` and seconds to wait."""

    reason: str
    wait_seconds: int


def _row(key: str, source: str) -> LoginFailure | None:
    return db.session.scalar(
        sa.select(LoginFailure).where(
            LoginFailure.account_key == key, LoginFailure.source == source
        )
    )


def refusal(key: str, source: str) -> Refusal | None:
    """Why this source may not try a password for this account now, or None."""
    now = utcnow()
    row = _row(key, source)
    if row is None or row.last_failure_at < now - FORGET_AFTER:
        return None
    if row.locked_until is not None and row.locked_until > now:
        return Refusal(LOCKED, _seconds(row.locked_until - now))
    ready_at = row.last_failure_at + throttle_delay(row.streak)
    if ready_at > now:
        return Refusal(THROTTLED, _seconds(ready_at - now))
    return None


def _seconds(delta: timedelta) -> int:
    return max(1, int(delta.total_seconds() + 0.999))


def under_attack(key: str, now: datetime | None = None) -> bool:
    """True while failures on this account come from several sources in the attack window."""
    config = current_app.config
    since = (now or utcnow()) - timedelta(minutes=config["LOGIN_ATTACK_WINDOW_MINUTES"])
    sources, failures = db.session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(LoginFailure.failures), 0)).where(
            LoginFailure.account_key == key, LoginFailure.last_failure_at >= since
        )
    ).one()
    return sources >= 2 and failures >= config["LOGIN_ATTACK_FAILURES"]


def is_usual_source(user: User | None, source: str) -> bool:
    """True when ``user`` logged in successfully from ``source`` lately (the owner's network)."""
    if user is None:
        return False
    since = utcnow() - timedelta(days=current_app.config["LOGIN_USUAL_SOURCE_DAYS"])
    addresses = db.session.scalars(
        sa.select(ActivityLog.ip)
        .where(
            ActivityLog.target_type == User.__tablename__,
            ActivityLog.target_id == user.id,
            ActivityLog.action == "auth.login",
            ActivityLog.outcome == "success",
            ActivityLog.created_at >= since,
        )
        .order_by(ActivityLog.id.desc())
        .limit(USUAL_SOURCE_LOGINS)
    )
    return any(source_of(address) == source for address in addresses if address)


def needs_harder_proof(key: str, user: User | None, source: str) -> bool:
    """True when this login must solve the harder CAPTCHA: an attack, from an unusual source."""
    return under_attack(key) and not is_usual_source(user, source)


def _upsert_failure(key: str, source: str, now: datetime) -> None:
    """Add one failure to the row of (``key``, ``source``) in one statement, race-free."""
    values = {
        "account_key": key,
        "source": source,
        "streak": 1,
        "failures": 1,
        "last_failure_at": now,
        "lockout_count": 0,
    }
    table = LoginFailure.__table__
    increments = {
        "streak": table.c.streak + 1,
        "failures": table.c.failures + 1,
        "last_failure_at": now,
    }
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        statement = (
            sqlite.insert(table)
            .values(values)
            .on_conflict_do_update(index_elements=["account_key", "source"], set_=increments)
        )
    elif dialect in ("mysql", "mariadb"):
        statement = mysql.insert(table).values(values).on_duplicate_key_update(increments)
    else:
        raise NotImplementedError(f"login failures are not counted on {dialect}")
    db.session.execute(statement)


def _forget_old_failures(now: datetime) -> None:
    db.session.execute(
        sa.delete(LoginFailure)
        .where(LoginFailure.last_failure_at < now - FORGET_AFTER)
        .where(sa.or_(LoginFailure.locked_until.is_(None), LoginFailure.locked_until < now))
        .execution_options(synchronize_session=False)
    )


def record_failure(key: str, source: str, user: User | None) -> bool:
    """Count a wrong password from ``source``; lock that source at the limit, and tell the owner
    of a known account when a source is locked or an attack starts. True when this failure
    locked the source."""
    now = utcnow()
    _forget_old_failures(now)
    _upsert_failure(key, source, now)
    locked_minutes = _lock_at_limit(key, source, now)
    if user is not None:
        if locked_minutes is not None:
            log_activity(
                LOCKED_ACTION,
                target=user,
                actor=user,
                outcome="failure",
                detail={"minutes": locked_minutes, "source": source},
            )
        if locked_minutes is not None or under_attack(key, now):
            notify_owner(user, now)
    return locked_minutes is not None


def _lock_at_limit(key: str, source: str, now: datetime) -> int | None:
    """Lock ``source`` out of the account once its streak reaches the limit; the minutes."""
    row = db.session.execute(
        sa.select(LoginFailure.id, LoginFailure.streak, LoginFailure.lockout_count).where(
            LoginFailure.account_key == key, LoginFailure.source == source
        )
    ).one()
    if row.streak < current_app.config["LOGIN_MAX_FAILURES"]:
        return None
    duration = lockout_duration(row.lockout_count + 1)
    # Conditional: of two simultaneous failures at the limit, one locks (and the streak restarts).
    result = db.session.execute(
        sa.update(LoginFailure)
        .where(LoginFailure.id == row.id, LoginFailure.streak >= row.streak)
        .values(streak=0, lockout_count=row.lockout_count + 1, locked_until=now + duration)
        .execution_options(synchronize_session=False)
    )
    return int(duration.total_seconds() // 60) if result.rowcount == 1 else None


def notify_owner(user: User, now: datetime | None = None) -> bool:
    """Mail the owner that their account is being attacked, at most once a day, and log it.

    The conditional UPDATE lets one request of one server win the day's notice. True when sent.
    """
    now = now or utcnow()
    claimed = db.session.execute(
        sa.update(User)
        .where(User.id == user.id)
        .where(
            sa.or_(
                User.attack_notified_at.is_(None),
                User.attack_notified_at <= now - ATTACK_NOTICE_INTERVAL,
            )
        )
        .values(attack_notified_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return False
    config = current_app.config
    log_activity(ATTACK_ACTION, target=user, actor=user, outcome="failure")
    send_mail(
        user.email,
        "login_attack",
        _l("Tentatives de connexion à votre Espace Client"),
        locale=user.locale,
        max_failures=config["LOGIN_MAX_FAILURES"],
        minutes=config["LOGIN_LOCKOUT_BASE_MINUTES"],
        reset_link=mail_url("auth.reset_request"),
        security_link=mail_url("auth.security"),
    )
    return True


def record_success(key: str, source: str) -> None:
    """A right password from ``source``: its failures and lock-outs are forgotten."""
    db.session.execute(
        sa.delete(LoginFailure)
        .where(LoginFailure.account_key == key, LoginFailure.source == source)
        .execution_options(synchronize_session=False)
    )


def lift_locks(user: User) -> None:
    """Forget every failure counted on ``user``'s address (admin unlock, new password)."""
    db.session.execute(
        sa.delete(LoginFailure)
        .where(LoginFailure.account_key == account_key(user.email_canonical))
        .execution_options(synchronize_session=False)
    )


def locked_account_ids(users: list[User], now: datetime | None = None) -> set[int]:
    """The ids among ``users`` locked out from at least one source now (one query)."""
    by_key = {account_key(user.email_canonical): user.id for user in users}
    if not by_key:
        return set()
    keys = db.session.scalars(
        sa.select(LoginFailure.account_key)
        .where(LoginFailure.account_key.in_(by_key), LoginFailure.locked_until > (now or utcnow()))
        .distinct()
    )
    return {by_key[key] for key in keys}
