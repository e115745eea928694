"""The second factor: TOTP codes (RFC 6238), recovery codes, enrolment, reset.

Rules kept here, whoever calls them:
- the secret is stored only encrypted (``services.crypto``); it is clear only in memory;
- one step of clock drift either side (30 s steps), and a code is never accepted twice: the
  last accepted time-step is stored and only a later step passes, with a conditional UPDATE so
  that two simultaneous requests cannot both win;
- ten recovery codes, shown once, stored as HMAC-SHA256 under a key of the config. They carry
  47 random bits each, so a slow hash (argon2) would add nothing against guessing, and would cost
  one argon2 check per stored code at each use; the key means that a copy of the database alone
  does not let anyone test candidates. Each is spent by a conditional UPDATE (used once).
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from hashlib import sha256

import pyotp
import sqlalchemy as sa
from flask import current_app
from markupsafe import Markup

from models import db, utcnow
from models.recovery_code import RecoveryCode
from models.user import User
from services.activity import log_activity
from services.crypto import HASH_KEYS, configured_keys, decrypt, encrypt
from services.i18n import gettext as _
from services.i18n import lazy_gettext as _l
from services.mail import mail_url, send_mail

STEP_SECONDS = 30
VALID_WINDOW = 1  # steps accepted either side of the current one
RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_LENGTH = 10
# No 0/O, 1/I/L, 8/B, 5/S: the codes are copied by hand from paper.
RECOVERY_ALPHABET = "234679ACDEFGHJKMNPQRTUVWXYZ"

# Activity actions of the second factor; the code itself is never logged.
TOTP_ENROLLED = "totp.enrolled"
TOTP_OK = "totp.ok"
TOTP_FAILED = "totp.failed"
TOTP_REPLAYED = "totp.replayed"
TOTP_LOCKED = "totp.locked"
TOTP_DISABLED = "totp.disabled"
TOTP_RESET = "totp.reset"
RECOVERY_USED = "totp.recovery_used"
RECOVERY_REGENERATED = "totp.recovery_regenerated"

# Changes of the second factor the owner is told about by mail, with the subject of each.
CHANGE_ENABLED = "enabled"
CHANGE_REPLACED = "replaced"
CHANGE_DISABLED = "disabled"
CHANGE_RECOVERY_CODES = "recovery_codes"
CHANGE_SUBJECTS = {
    CHANGE_ENABLED: _l("Double authentification activée"),
    CHANGE_REPLACED: _l("Double authentification : nouvelle clé enregistrée"),
    CHANGE_DISABLED: _l("Double authentification désactivée"),
    CHANGE_RECOVERY_CODES: _l("Double authentification : nouveaux codes de secours"),
}

# Outcomes of checking a code.
OK = "ok"
RECOVERY = "recovery"
REPLAYED = "replayed"
INVALID = "invalid"


def has_totp(user: User) -> bool:
    """True when ``user`` has an enrolled second factor."""
    return user.totp_secret_encrypted is not None


def new_secret() -> str:
    """A fresh random TOTP secret (base32, 160 bits)."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    """The ``otpauth://`` URI of the QR code: issuer the company, account the e-mail."""
    return pyotp.TOTP(secret).provisioning_uri(
        name=email, issuer_name=current_app.config["COMPANY_NAME"]
    )


def qr_code_svg(uri: str) -> Markup:
    """The QR code of ``uri`` as inline SVG, made on the server (no style attribute: CSP-safe)."""
    import segno  # only where a second factor is being enrolled

    svg = segno.make(uri, error="m").svg_inline(
        scale=4, svgclass="totp-qr", lineclass=None, omitsize=True, title=_("QR code à scanner")
    )
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S704 - segno's own output  # nosec


def grouped_secret(secret: str) -> str:
    """The secret in blocks of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def current_step(now: float | None = None) -> int:
    """The TOTP time-step of ``now`` (seconds since the epoch; default: the clock)."""
    return int((time.time() if now is None else now) // STEP_SECONDS)


def normalize_code(code: str | None) -> str:
    """A typed code without spaces or dashes, upper-cased."""
    return "".join((code or "").split()).replace("-", "").upper()


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time-step within the drift window whose code is ``code``, or None."""
    code = normalize_code(code)
    # isdigit() alone accepts "١٢٣٤٥٦" or "²³⁴⁵⁶⁷", which compare_digest cannot compare.
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    step = current_step(now)
    for candidate in range(step - VALID_WINDOW, step + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def _claim_step(user: User, step: int) -> bool:
    """Record ``step`` as used unless it (or a later one) already was; True if this call won."""
    result = db.session.execute(
        sa.update(User)
        .where(User.id == user.id)
        .where(sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        user.totp_last_step = step
        return True
    return False


def check_totp(user: User, code: str, now: float | None = None) -> str:
    """``OK``, ``REPLAYED`` (a step already used) or ``INVALID`` for ``user``'s TOTP ``code``."""
    if not has_totp(user):
        return INVALID
    step = matching_step(decrypt(user.totp_secret_encrypted), code, now)
    if step is None:
        return INVALID
    return OK if _claim_step(user, step) else REPLAYED


def recovery_code_hashes(user_id: int, code: str) -> list[str]:
    """The keyed hashes a recovery code of ``user_id`` may be stored as, one per configured key.

    New codes are hashed under the first key of ``RECOVERY_CODE_KEY``. A hash cannot be
    recomputed without the clear code, which is never stored, so codes made under a previous key
    keep working for as long as that key stays in the list.
    """
    message = f"{user_id}:{normalize_code(code)}".encode()
    keys = configured_keys("RECOVERY_CODE_KEY", HASH_KEYS["RECOVERY_CODE_KEY"])
    return [hmac.new(key, message, sha256).hexdigest() for key in keys]


def recovery_code_hash(user_id: int, code: str) -> str:
    """The keyed hash stored for a new recovery code of the account ``user_id``."""
    return recovery_code_hashes(user_id, code)[0]


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def replace_recovery_codes(user: User) -> list[str]:
    """Ten new recovery codes for ``user`` (the old ones die); the clear codes are returned once."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=recovery_code_hash(user.id, code)) for code in codes
    )
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    """Spend one of ``user``'s unused recovery codes; False if unknown or already used."""
    code = normalize_code(code)
    if len(code) != RECOVERY_CODE_LENGTH:
        return False
    result = db.session.execute(
        sa.update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id)
        .where(RecoveryCode.code_hash.in_(recovery_code_hashes(user.id, code)))
        .where(RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def remaining_recovery_codes(user: User) -> int:
    """How many recovery codes of ``user`` are still unused."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def check_login_code(user: User, code: str, now: float | None = None) -> str:
    """Check the code given at the login step (TOTP or recovery code) and log the outcome.

    Returns ``OK``, ``RECOVERY`` (a recovery code was spent), ``REPLAYED`` or ``INVALID``.
    """
    outcome = check_totp(user, code, now)
    if outcome == INVALID and use_recovery_code(user, code):
        outcome = RECOVERY
    action = {OK: TOTP_OK, RECOVERY: RECOVERY_USED, REPLAYED: TOTP_REPLAYED}.get(
        outcome, TOTP_FAILED
    )
    detail = {"left": remaining_recovery_codes(user)} if outcome == RECOVERY else None
    log_activity(
        action,
        target=user,
        actor=user,
        outcome="success" if outcome in (OK, RECOVERY) else "failure",
        detail=detail,
    )
    return outcome


def check_current_factor(user: User, code: str, step: str, now: float | None = None) -> str:
    """Check the proof of the enrolled factor asked before changing it, and log a failure.

    A code of the authenticator app or one of the recovery codes (spent) is accepted: someone
    who lost the phone replaces the factor with a recovery code. Returns ``OK``, ``RECOVERY``,
    ``REPLAYED`` or ``INVALID``; ``step`` names the change in the activity log.
    """
    outcome = check_totp(user, code, now)
    if outcome == INVALID and use_recovery_code(user, code):
        outcome = RECOVERY
    if outcome == RECOVERY:
        log_activity(RECOVERY_USED, target=user, actor=user, detail={"step": step})
    elif outcome != OK:
        log_failed_code(user, outcome, step)
    return outcome


def send_second_factor_mail(user: User, change: str) -> None:
    """Tell the owner that their second factor changed (``CHANGE_*``), so a stranger's change
    is noticed; the mail joins the current transaction."""
    send_mail(
        user.email,
        "second_factor_changed",
        CHANGE_SUBJECTS[change],
        locale=user.locale,
        change=change,
        reset_link=mail_url("auth.reset_request"),
    )


def two_factor_summary(user: User) -> dict:
    """What ``templates/auth/_two_factor_status.html`` shows about ``user``'s second factor."""
    enabled = has_totp(user)
    return {
        "enabled": enabled,
        "enabled_at": user.totp_enabled_at,
        "codes_left": remaining_recovery_codes(user) if enabled else 0,
        "is_admin": user.is_admin,
    }


def log_failed_code(user: User, outcome: str, step: str) -> None:
    """Log a wrong or replayed code given outside the login (enrolment, recovery codes...)."""
    action = TOTP_REPLAYED if outcome == REPLAYED else TOTP_FAILED
    log_activity(action, target=user, actor=user, outcome="failure", detail={"step": step})


@dataclass
class Enrolment:
    """A secret being enrolled: shown as QR code and text until a valid code confirms it."""

    secret: str
    email: str

    @property
    def uri(self) -> str:
        return provisioning_uri(self.secret, self.email)

    @property
    def qr_svg(self) -> Markup:
        return qr_code_svg(self.uri)

    @property
    def key_text(self) -> str:
        return grouped_secret(self.secret)


def enable_totp(user: User, secret: str, step: int) -> list[str]:
    """Store ``secret`` (encrypted) as ``user``'s second factor, confirmed by a code of ``step``.

    The confirming step counts as used, so the same code cannot then open a session. Returns
    the new recovery codes, to show once, and mails the owner. The caller has checked the
    current factor when there was one (:func:`check_current_factor`) and commits.
    """
    again = has_totp(user)
    user.totp_secret_encrypted = encrypt(secret)
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    codes = replace_recovery_codes(user)
    log_activity(TOTP_ENROLLED, target=user, actor=user, detail={"again": again})
    send_second_factor_mail(user, CHANGE_REPLACED if again else CHANGE_ENABLED)
    return codes


def regenerate_recovery_codes(user: User) -> list[str]:
    """New recovery codes for ``user``, logged and mailed; the caller has checked a code."""
    codes = replace_recovery_codes(user)
    log_activity(RECOVERY_REGENERATED, target=user, actor=user)
    send_second_factor_mail(user, CHANGE_RECOVERY_CODES)
    return codes


def _clear_totp(user: User) -> None:
    user.totp_secret_encrypted = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def disable_totp(user: User) -> None:
    """A client turns the second factor off (after a valid code); mailed, the caller commits."""
    _clear_totp(user)
    log_activity(TOTP_DISABLED, target=user, actor=user)
    send_second_factor_mail(user, CHANGE_DISABLED)


def reset_totp(user: User, by: User | None) -> None:
    """Another admin (``by``) resets ``user``'s lost second factor; the caller commits.

    Clears the secret, the last step and the recovery codes, ends every session of ``user``
    (whoever holds the lost device is logged out), logs the act and tells ``user`` by mail. At the
    next login ``user`` enrols again (mandatory for an admin).
    """
    _clear_totp(user)
    user.session_version += 1
    log_activity(TOTP_RESET, target=user, actor=by)
    send_mail(
        user.email,
        "totp_reset",
        _l("Votre double authentification a été réinitialisée"),
        locale=user.locale,
        user=user,
        by=by,
    )
