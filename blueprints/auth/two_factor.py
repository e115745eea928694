"""Second factor (TOTP) at login: mandatory for admins, optional for clients."""

from __future__ import annotations

from models.user import User


def needs_second_factor(user: User) -> bool:
    """True when ``user`` must give a TOTP code (or enrol) before the session is opened."""
    return False


def start_second_factor(user: User, next_url: str | None):
    """The response that sends ``user`` to the code (or enrolment) step."""
    raise NotImplementedError
