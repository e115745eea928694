"""Field encryption: serial numbers, licence keys and TOTP secrets are never stored in clear.

Authenticated encryption (Fernet: AES-128-CBC with HMAC-SHA256) under the keys of
``FIELD_ENCRYPTION_KEYS``. The first key encrypts; every key decrypts, so a new key is put first
and ``flask --app app crypto rotate`` re-encrypts the stored values before the old key is removed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app


class EncryptionKeyMissing(RuntimeError):
    """No field encryption key is configured."""


def _fernet_key(secret: str) -> bytes:
    """A Fernet key from a configured secret: a Fernet key as is, anything else derived."""
    raw = secret.encode()
    try:
        if len(base64.urlsafe_b64decode(raw)) == 32:
            return raw
    except ValueError:
        pass
    return base64.urlsafe_b64encode(hashlib.sha256(raw).digest())


def _cipher() -> MultiFernet:
    keys = current_app.config.get("FIELD_ENCRYPTION_KEYS") or []
    if isinstance(keys, str):
        keys = [k.strip() for k in keys.split(",") if k.strip()]
    if not keys:
        raise EncryptionKeyMissing("FIELD_ENCRYPTION_KEYS est vide : aucune clé de chiffrement.")
    return MultiFernet([Fernet(_fernet_key(k)) for k in keys])


def encrypt(value: str | None) -> str | None:
    """The encrypted form of ``value`` (None stays None)."""
    if value is None:
        return None
    return _cipher().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str | None) -> str | None:
    """The clear value of ``token``; raises ``InvalidToken`` if it was altered or the key lost."""
    if token is None:
        return None
    return _cipher().decrypt(token.encode("ascii")).decode("utf-8")


def rotate(token: str | None) -> str | None:
    """``token`` re-encrypted under the first key."""
    if token is None:
        return None
    return _cipher().rotate(token.encode("ascii")).decode("ascii")


def mask(value: str | None, visible: int = 4) -> str:
    """``value`` with all but its last ``visible`` characters hidden."""
    if not value:
        return ""
    shown = value[-visible:] if len(value) > visible else ""
    return "•" * max(len(value) - len(shown), 4) + shown


def derived_key(config_name: str, label: str) -> bytes:
    """The key ``config_name`` of the config, or one derived from ``SECRET_KEY`` for ``label``.

    A derived key depends on ``SECRET_KEY``: changing it changes what the key protects (recovery
    codes stop matching, the activity seal needs a new chain). Set the key to keep it apart.
    """
    configured = current_app.config.get(config_name)
    if configured:
        return str(configured).encode("utf-8")
    secret = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    return hmac.new(secret, label.encode("utf-8"), hashlib.sha256).digest()


def blind_index(value: str | None, purpose: str) -> str | None:
    """A keyed hash (HMAC-SHA256) of ``value`` for equality search on an encrypted column.

    The key is ``BLIND_INDEX_KEY``, or else derived from ``SECRET_KEY``; ``purpose`` separates
    the indexes of different columns. It does not change when the encryption keys rotate.
    """
    if value is None:
        return None
    key = derived_key("BLIND_INDEX_KEY", "espace-client blind index v1")
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


__all__ = [
    "EncryptionKeyMissing",
    "InvalidToken",
    "blind_index",
    "decrypt",
    "derived_key",
    "encrypt",
    "mask",
    "rotate",
]
