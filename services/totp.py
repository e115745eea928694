"""TOTP (second factor). Stub: the TOTP area provides the real module."""

from __future__ import annotations


def reset_totp(user, by):
    """Remove the TOTP of ``user`` (an admin who lost it), on the order of the admin ``by``."""
    raise NotImplementedError("services.totp.reset_totp is provided by the TOTP area")
