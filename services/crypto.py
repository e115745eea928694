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


# The keyed hashes and their labels: each has a key of its own, apart from SECRET_KEY.
HASH_KEYS = {
    "RECOVERY_CODE_KEY": "espace-client recovery codes",
    "BLIND_INDEX_KEY": "espace-client blind index v1",
    "ACTIVITY_SEAL_KEY": "espace-client activity seal",
}
HEX_PREFIX = "hex:"


def key_bytes(value: str) -> bytes:
    """A configured key as bytes: ``hex:...`` is decoded (a pinned legacy key), else UTF-8."""
    value = str(value)
    if value.startswith(HEX_PREFIX):
        return bytes.fromhex(value[len(HEX_PREFIX) :])
    return value.encode("utf-8")


def legacy_key(label: str) -> bytes:
    """The key once derived from ``SECRET_KEY`` for ``label``, before each key had its own."""
    secret = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    return hmac.new(secret, label.encode("utf-8"), hashlib.sha256).digest()


def configured_keys(config_name: str, label: str) -> list[bytes]:
    """The keys of ``config_name``: the first is used, the next ones are previous keys.

    The setting is one key or a list (like ``FIELD_ENCRYPTION_KEYS``). Unset, which only debug
    and tests allow, it falls back to the key derived from ``SECRET_KEY`` as before, so that an
    installation older than these settings keeps its data (see ``crypto legacy-keys``).
    """
    configured = current_app.config.get(config_name)
    if isinstance(configured, str):
        configured = [k.strip() for k in configured.split(",") if k.strip()]
    keys = [key_bytes(k) for k in configured or []]
    return keys or [legacy_key(label)]


def derived_key(config_name: str, label: str) -> bytes:
    """The key in use for ``config_name`` (the first configured, or the legacy derived one)."""
    return configured_keys(config_name, label)[0]


def blind_index(value: str | None, purpose: str) -> str | None:
    """A keyed hash (HMAC-SHA256) of ``value`` for equality search on an encrypted column.

    The key is the first of ``BLIND_INDEX_KEY``; ``purpose`` separates the indexes of different
    columns. It does not change when the encryption keys rotate; ``crypto rotate`` recomputes
    the indexes when this key changes.
    """
    if value is None:
        return None
    key = derived_key("BLIND_INDEX_KEY", HASH_KEYS["BLIND_INDEX_KEY"])
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


__all__ = [
    "EncryptionKeyMissing",
    "InvalidToken",
    "blind_index",
    "configured_keys",
    "decrypt",
    "derived_key",
    "encrypt",
    "mask",
    "rotate",
]
