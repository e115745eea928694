"""The rules of accounts (password, e-mail address), as the privacy policy states them."""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

from email_validator import EmailNotValidError, validate_email

from services.i18n import lazy_gettext as _l

PASSWORD_MIN_LENGTH = 18
PASSWORD_MAX_LENGTH = 128
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")
# zxcvbn's score (0-4): 4 is "very unguessable", at least 10^10 guesses. At 3, long patterned
# passwords pass: "Aaaaaaaaaaaaaaaaa1!" and "Abcdefghijklmnopq1!" score 3 (10^8 guesses).
PASSWORD_MIN_STRENGTH = 4
# zxcvbn's time grows fast with length (4 s for 128 random characters): it reads the first and
# the last 32 characters, and a password is strong when either part is.
STRENGTH_WINDOW = 32
# Why a password is guessable, from the pattern zxcvbn found (its own feedback is English).
WEAKNESS_BY_PATTERN = {
    "repeat": _l("évitez les caractères ou les groupes répétés (aaaa, abcabc)"),
    "sequence": _l("évitez les suites (abcd, 6789)"),
    "spatial": _l("évitez les touches voisines du clavier (azerty, qsdf)"),
    "dictionary": _l("évitez les mots courants, les prénoms et les noms seuls"),
    "date": _l("évitez les dates et les années"),
    "regex": _l("évitez les dates et les années"),
}
WEAKNESS_OTHER = _l("mêlez plusieurs mots peu courants, chiffres et symboles")
# What people append to a word to meet a rule: "Motdepasse2024!!" is still "motdepasse".
_TRAILING_DIGITS_AND_SYMBOLS = re.compile(r"[\W\d_]+$")


def normalize_email(email: str) -> str:
    """The address as stored: trimmed, domain lower-cased, local part as typed."""
    email = email.strip()
    local, at, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}" if at else email


def email_problem(email: str):
    """Why ``email`` is not a usable address (no network look-up), or None when it is."""
    try:
        validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError:
        return _l("Saisissez une adresse e-mail valide, par exemple nom@exemple.fr.")
    return None


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower-cased."""
    with COMMON_PASSWORDS_FILE.open(encoding="utf-8") as lines:
        return frozenset(
            line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
        )


def is_common_password(password: str) -> bool:
    """True when ``password``, or its stem without trailing digits and symbols, is a common one.

    Compared case-insensitively: "Password2024!!" is refused because "password" is listed.
    """
    lowered = password.strip().lower()
    stem = _TRAILING_DIGITS_AND_SYMBOLS.sub("", lowered)
    listed = common_passwords()
    return lowered in listed or (len(stem) >= 4 and stem in listed)


def _is_special(char: str) -> bool:
    return not char.isalnum() and not char.isspace() or unicodedata.category(char).startswith("P")


def strength_problem(password: str, hints: list[str] | None = None):
    """Why ``password`` is too easy to guess despite the rule (zxcvbn), in French, or None."""
    parts = {password[:STRENGTH_WINDOW], password[-STRENGTH_WINDOW:]}
    from zxcvbn import zxcvbn  # 12 MB of word lists: loaded by the first password checked

    results = [zxcvbn(part, user_inputs=hints or [], max_length=STRENGTH_WINDOW) for part in parts]
    if any(result["score"] >= PASSWORD_MIN_STRENGTH for result in results):
        return None
    patterns = [match["pattern"] for result in results for match in result["sequence"]]
    why = next((WEAKNESS_BY_PATTERN[p] for p in WEAKNESS_BY_PATTERN if p in patterns), None)
    return _l("être plus difficile à deviner : %(why)s", why=why or WEAKNESS_OTHER)


def password_problems(password: str, email: str | None = None) -> list:
    """What the password still lacks under the policy's rule; an empty list means accepted.

    The rule: at least 18 characters (counted as characters, not bytes), at most 128, with at
    least one lower-case letter, one upper-case letter, one digit and one special character;
    neither a common password (shipped list) nor containing the e-mail's local part. A password
    that meets all of that is also scored by zxcvbn (:func:`strength_problem`): repeated
    characters or a keyboard run padded to the classes are refused.
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
    if password and is_common_password(password):
        problems.append(_l("ne pas être un mot de passe courant"))
    if email:
        local = email.strip().rpartition("@")[0].lower()
        if len(local) >= 3 and local in password.lower():
            problems.append(_l("ne pas contenir votre adresse e-mail"))
    if not problems:
        hints = [email.strip().rpartition("@")[0]] if email else []
        weakness = strength_problem(password, hints)
        if weakness:
            problems.append(weakness)
    return problems
