"""The rules of accounts, as the privacy policy states them, in small functions."""

from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l

PASSWORD_MIN_LENGTH = 18
PASSWORD_MAX_LENGTH = 128


def canonical_email(email: str) -> str:
    """The form of an address used to find an account: trimmed, lower-cased."""
    return email.strip().lower()


def normalize_email(email: str) -> str:
    """The address as stored: trimmed, domain lower-cased, local part as typed."""
    email = email.strip()
    local, at, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}" if at else email


def _is_special(char: str) -> bool:
    return not char.isalnum() and not char.isspace() or unicodedata.category(char).startswith("P")


def password_problems(password: str, email: str | None = None) -> list:
    """What the password still lacks under the policy's rule; an empty list means accepted.

    The rule: at least 18 characters (counted as characters, not bytes), at most 128, with at
    least one lower-case letter, one upper-case letter, one digit and one special character.
    """
    problems = []
    length = len(password)
    if length < PASSWORD_MIN_LENGTH:
        problems.append(
            _l(
                "au moins %(n)s caractères (encore %(left)s)",
                n=PASSWORD_MIN_LENGTH,
                left=PASSWORD_MIN_LENGTH - length,
            )
        )
    if length > PASSWORD_MAX_LENGTH:
        problems.append(_l("au plus %(n)s caractères", n=PASSWORD_MAX_LENGTH))
    if not any(c.islower() for c in password):
        problems.append(_l("une lettre minuscule"))
    if not any(c.isupper() for c in password):
        problems.append(_l("une lettre majuscule"))
    if not any(c.isdigit() for c in password):
        problems.append(_l("un chiffre"))
    if not any(_is_special(c) for c in password):
        problems.append(_l("un caractère spécial"))
    if email:
        local = email.strip().rpartition("@")[0].lower()
        if len(local) >= 3 and local in password.lower():
            problems.append(_l("ne pas contenir votre adresse e-mail"))
    return problems
