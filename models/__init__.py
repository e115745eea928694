"""Database models of Espace Client.

Every column declares in its ``info`` whether it holds personal data, with the category of data
and its retention class, through :func:`personal` or :func:`not_personal`. Export, erasure, purge
and the processing register read these declarations; a test fails on any column without one.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Categories of personal data, in the words of the privacy policy.
CATEGORIES = {
    "identification": "Données d'identification (adresse e-mail, mot de passe)",
    "contact": "Contact lié à la fiche client",
    "company": "Coordonnées de l'entreprise",
    "intervention": "Gestion des interventions (périphériques, numéros de série, licences)",
    "billing": "Facturation et paiements",
    "security": "Sécurité et journal d'activité",
    "communication": "Échanges (tickets, messages, lettres d'information)",
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


MAX_ID = 2**63 - 1  # the largest id both databases hold (SQLite INTEGER, MariaDB BIGINT)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

# Import every model module so that metadata (and Alembic) see all tables.
from models.activity import ActivityLog  # noqa: E402
from models.captcha import SpentCaptchaChallenge  # noqa: E402
from models.client import Client  # noqa: E402
from models.client_search import ClientSearchTerm  # noqa: E402
from models.device import Device, Licence  # noqa: E402
from models.intervention import Intervention, InterventionEvent  # noqa: E402
from models.login_failure import LoginFailure  # noqa: E402
from models.mail import OutboxMail  # noqa: E402
from models.recovery_code import RecoveryCode  # noqa: E402
from models.user import User  # noqa: E402

__all__ = [
    "ActivityLog",
    "Base",
    "Client",
    "ClientSearchTerm",
    "Device",
    "Intervention",
    "InterventionEvent",
    "Licence",
    "LoginFailure",
    "OutboxMail",
    "RecoveryCode",
    "SpentCaptchaChallenge",
    "User",
    "db",
    "not_personal",
    "personal",
    "utcnow",
]
