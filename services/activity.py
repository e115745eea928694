"""The activity log: one function, :func:`log_activity`, that every area calls."""

from __future__ import annotations

import re

from flask import current_app, has_app_context, has_request_context
from flask_login import current_user

from models import db
from models.activity import ActivityLog
from services import activity_seal

# Words that must never reach the log, whatever the caller passes in ``detail``.
SECRET_WORDS = re.compile(r"pass(word|wd)?|mot_?de_?passe|token|secret|code|otp|key|cle", re.I)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
MAX_DETAIL = 500
MAX_USER_AGENT = 255
# app.extensions[ORIGIN]: a function answering (address, user agent) of the act being logged. The
# web layer sets it (web/security.py): this module never reads the request itself.
ORIGIN = "activity_origin"


def escape_control(value: str) -> str:
    """Escape control characters (newlines included) so a value cannot forge log lines."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)


def act_origin() -> tuple[str | None, str]:
    """Address and user agent of the current act; none outside a request (cron, commands)."""
    origin = current_app.extensions.get(ORIGIN) if has_app_context() else None
    return origin() if origin else (None, "")


def format_detail(detail) -> str | None:
    """Turn ``detail`` (text or mapping) into one safe line, dropping anything secret."""
    if detail is None:
        return None
    if isinstance(detail, dict):
        parts = []
        for key, value in detail.items():
            if SECRET_WORDS.search(str(key)):
                continue
            if isinstance(value, list | tuple | set):
                value = ",".join(str(v) for v in value)
            parts.append(f"{key}={value}")
        detail = " ".join(parts)
    return escape_control(str(detail))[:MAX_DETAIL] or None


def log_activity(
    action: str,
    *,
    target=None,
    target_type: str | None = None,
    target_id: int | None = None,
    outcome: str = "success",
    detail=None,
    actor=None,
) -> ActivityLog:
    """Add an activity entry to the current transaction; the caller commits.

    ``actor`` defaults to the logged-in user; ``target`` may be a model instance, from which the
    type (its table name) and id are taken. ``detail`` must never hold passwords, tokens or codes:
    keys that look like one are dropped.
    """
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    if target is not None:
        target_type = target_type or target.__tablename__
        target_id = target_id if target_id is not None else target.id
    entry = ActivityLog(
        action=action,
        actor_id=getattr(actor, "id", None),
        actor_role=getattr(actor, "role", None),
        target_type=target_type,
        target_id=target_id,
        outcome=outcome,
        detail=format_detail(detail),
    )
    ip, agent = act_origin()
    entry.ip = ip
    entry.ip_mac = activity_seal.ip_mac(ip)
    entry.user_agent = escape_control(agent)[:MAX_USER_AGENT] or None
    db.session.add(entry)
    return entry


CLIENT_VIEWED = "admin.client_viewed"


def log_client_viewed(client_id: int, section: str | None = None) -> ActivityLog:
    """Record that the logged-in admin looked at the data of client ``client_id``.

    Every admin page about one client calls it, so that the log answers "who looked at whom,
    when"; ``section`` says which part (a profile section, "devices", "interventions"...). The
    caller commits.
    """
    return log_activity(
        CLIENT_VIEWED,
        target_type="client",
        target_id=client_id,
        detail={"section": section} if section else None,
    )
