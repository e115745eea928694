"""The account's own history: its recent logins, as the security page shows them."""

from __future__ import annotations

import re

import sqlalchemy as sa

from models import db
from models.activity import ActivityLog
from models.user import User

RECENT_LOGINS = 10

# Order matters: Edge and Opera announce Chrome too, Chrome announces Safari.
_BROWSERS = [
    ("Edge", re.compile(r"Edg(e|A|iOS)?/")),
    ("Opera", re.compile(r"OPR/|Opera")),
    ("Firefox", re.compile(r"Firefox/|FxiOS/")),
    ("Chrome", re.compile(r"Chrome/|CriOS/|Chromium/")),
    ("Safari", re.compile(r"Safari/")),
]
_SYSTEMS = [
    ("Android", re.compile(r"Android")),
    ("iOS", re.compile(r"iPhone|iPad|iPod")),
    ("Windows", re.compile(r"Windows")),
    ("macOS", re.compile(r"Mac OS X|Macintosh")),
    ("Linux", re.compile(r"Linux|X11")),
]


def describe_browser(user_agent: str | None) -> str:
    """A short, readable name for a User-Agent, e.g. "Firefox · Linux"; "" when unknown."""
    if not user_agent:
        return ""
    browser = next((name for name, pattern in _BROWSERS if pattern.search(user_agent)), None)
    system = next((name for name, pattern in _SYSTEMS if pattern.search(user_agent)), None)
    return " · ".join(part for part in (browser, system) if part) or user_agent[:60]


def recent_logins(user: User, limit: int = RECENT_LOGINS) -> list[dict]:
    """The last successful logins of ``user``, newest first: date, IP and browser."""
    entries = db.session.scalars(
        sa.select(ActivityLog)
        .where(
            ActivityLog.action == "auth.login",
            ActivityLog.outcome == "success",
            ActivityLog.target_type == User.__tablename__,
            ActivityLog.target_id == user.id,
        )
        .order_by(ActivityLog.id.desc())
        .limit(limit)
    )
    return [
        {"at": e.created_at, "ip": e.ip, "browser": describe_browser(e.user_agent)} for e in entries
    ]
