"""Database models of Espace Client.

Every column declares in its ``info`` whether it holds personal data, with the category of data
and its retention class, through :func:`personal` or :func:`not_personal`. Export, erasure, purge
and the processing register read these declarations; a test fails on any column without one.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def N_(text: str) -> str:
    """Mark a text for translation where it is defined; it is translated where it is shown."""
    return text


# Categories of personal data, in the words of the privacy policy.
CATEGORIES = {
    "identification": N_("Données d'identification (adresse e-mail, mot de passe)"),
    "contact": N_("Contact lié à la fiche client"),
    "company": N_("Coordonnées de l'entreprise"),
    "intervention": N_("Gestion des interventions (périphériques, numéros de série, licences)"),
    "billing": N_("Facturation et paiements"),
    "security": N_("Sécurité et journal d'activité"),
    "communication": N_("Échanges (tickets, messages, lettres d'information)"),
}

# Retention classes: how long a value is kept and what starts the clock.
RETENTION = {
    "client_relationship": "un an après la fin des interventions, contrats et abonnements",
    "activity_log": "un an après l'événement",
    "invoice": "dix ans (obligation comptable, article L123-22 du Code de commerce)",
    "mail_outbox": "le temps de l'envoi, puis trente jours",
    "consent_proof": "cinq ans après le retrait du consentement",
    "until_erasure": "jusqu'à la suppression de l'espace client",
}


def personal(category: str, retention: str, **extra) -> dict:
    """``info`` for a column that holds personal data of ``category``, kept per ``retention``."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown personal data category {category!r}")
    if retention not in RETENTION:
        raise ValueError(f"unknown retention class {retention!r}")
    return {"personal": True, "category": category, "retention": retention, **extra}


def not_personal(**extra) -> dict:
    """``info`` for a column that holds no personal data."""
    return {"personal": False, **extra}


def utcnow() -> datetime:
    """Now, in UTC, without tzinfo: every date is stored naive in UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


# MariaDB's DATETIME keeps whole seconds; times compared to tell what is unread need better.
PreciseDateTime = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


# Encrypted columns (``*_encrypted``, tokens of ``services.crypto``) are sized from the longest
# clear value they may hold, counted in 4-byte characters (UTF-8's widest: emoji), so that no
# allowed value can overflow them on MariaDB. Their ``info`` keeps that length for the tests.
ENCRYPTED_MAX_CHARS = "encrypted_max_chars"
_FERNET_OVERHEAD = 1 + 8 + 16 + 32  # version, timestamp, IV, HMAC (bytes)
_VARCHAR_MAX = 4096  # longer tokens go to a TEXT column
_TEXT_MAX = 65_535  # bytes of a MariaDB TEXT; beyond, MEDIUMTEXT


def encrypted_length(max_chars: int) -> int:
    """Length of the token that encrypts ``max_chars`` characters of 4 bytes each.

    Fernet pads the AES-CBC ciphertext to the next multiple of 16 bytes (always adding at least
    one byte), adds its fixed overhead, then encodes the whole in base64 with padding.
    """
    ciphertext = (4 * max_chars // 16 + 1) * 16
    return 4 * math.ceil((_FERNET_OVERHEAD + ciphertext) / 3)


def encrypted_type(max_chars: int) -> sa.types.TypeEngine:
    """The column type that holds the token of any value of at most ``max_chars`` characters."""
    length = encrypted_length(max_chars)
    if length <= _VARCHAR_MAX:
        return sa.String(length)
    if length <= _TEXT_MAX:
        return sa.Text()
    return sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")


def encrypted_info(max_chars: int, info: dict) -> dict:
    """``info`` of an encrypted column: its personal-data declaration and its longest value."""
    return {**info, ENCRYPTED_MAX_CHARS: max_chars}


MAX_ID = 2**63 - 1  # the largest id both databases hold (SQLite INTEGER, MariaDB BIGINT)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

# Import every model module so that metadata (and Alembic) see all tables.
from models.activity import ActivityLog, ActivitySealHead  # noqa: E402
from models.backup import BackupRun  # noqa: E402
from models.breach import Breach  # noqa: E402
from models.captcha import SpentCaptchaChallenge  # noqa: E402
from models.client import Client  # noqa: E402
from models.client_search_index import ClientSearchTerm  # noqa: E402
from models.consent import ConsentRecord  # noqa: E402
from models.contract import Contract, ContractPeriod, RenewalReminder  # noqa: E402
from models.data_rights import DataRightsRequest, ErasureLedgerEntry  # noqa: E402
from models.device import Device, Licence  # noqa: E402
from models.intervention import Intervention, InterventionEvent  # noqa: E402
from models.invoice import (  # noqa: E402
    Invoice,
    InvoiceDownload,
    InvoiceLine,
    InvoiceReminder,
    InvoiceSequence,
    Payment,
)
from models.login_failure import LoginFailure  # noqa: E402
from models.mail import OutboxMail  # noqa: E402
from models.newsletter import Newsletter, NewsletterDelivery  # noqa: E402
from models.recovery_code import RecoveryCode  # noqa: E402
from models.register import Processing, ProcessingPurpose  # noqa: E402
from models.retention import LegalHold, RetentionNotice  # noqa: E402
from models.scheduled_run import ScheduledRun  # noqa: E402
from models.ticket import SavedReply, Ticket, TicketAttachment, TicketMessage  # noqa: E402
from models.user import User  # noqa: E402

__all__ = [
    "ActivityLog",
    "ActivitySealHead",
    "BackupRun",
    "Base",
    "Breach",
    "Client",
    "ClientSearchTerm",
    "ConsentRecord",
    "Contract",
    "ContractPeriod",
    "DataRightsRequest",
    "ErasureLedgerEntry",
    "Device",
    "Intervention",
    "InterventionEvent",
    "LegalHold",
    "Invoice",
    "InvoiceDownload",
    "InvoiceLine",
    "InvoiceReminder",
    "InvoiceSequence",
    "Licence",
    "LoginFailure",
    "Newsletter",
    "NewsletterDelivery",
    "OutboxMail",
    "Payment",
    "Processing",
    "ProcessingPurpose",
    "RecoveryCode",
    "RetentionNotice",
    "RenewalReminder",
    "SavedReply",
    "ScheduledRun",
    "SpentCaptchaChallenge",
    "Ticket",
    "TicketAttachment",
    "TicketMessage",
    "User",
    "db",
    "encrypted_info",
    "encrypted_length",
    "encrypted_type",
    "not_personal",
    "personal",
    "utcnow",
]
