"""Accounts: the login of a client or of an admin of the company."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import Base, encrypted_info, encrypted_type, not_personal, personal, utcnow

ROLE_CLIENT = "client"
ROLE_ADMIN = "admin"
# Longest TOTP secret stored: the app makes 32 base32 characters (160 bits); room for 64.
TOTP_SECRET_MAX = 64
MAX_DISPLAY_NAME = 100


class User(UserMixin, Base):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    email: Mapped[str] = mapped_column(
        sa.String(254), info=personal("identification", "client_relationship")
    )
    # Lower-cased copy of the address: one account per address whatever the case.
    email_canonical: Mapped[str] = mapped_column(
        sa.String(254), unique=True, info=personal("identification", "client_relationship")
    )
    password_hash: Mapped[str | None] = mapped_column(
        sa.String(255), info=personal("identification", "client_relationship")
    )
    role: Mapped[str] = mapped_column(sa.String(16), default=ROLE_CLIENT, info=not_personal())
    # How the company's staff are shown to clients and colleagues (a technician); clients are
    # named by their client file instead.
    display_name: Mapped[str | None] = mapped_column(
        sa.String(MAX_DISPLAY_NAME), info=personal("identification", "client_relationship")
    )
    is_enabled: Mapped[bool] = mapped_column(default=True, info=not_personal())
    locale: Mapped[str | None] = mapped_column(
        sa.String(8), info=personal("identification", "client_relationship")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal())
    email_verified_at: Mapped[datetime | None] = mapped_column(
        info=personal("identification", "client_relationship")
    )
    # Bumped at logout and password change: every session cookie made before is refused.
    session_version: Mapped[int] = mapped_column(default=1, info=not_personal())
    last_login_at: Mapped[datetime | None] = mapped_column(
        info=personal("security", "client_relationship")
    )
    # When the owner was last told that their account is under attack (at most once a day).
    attack_notified_at: Mapped[datetime | None] = mapped_column(info=not_personal())
    # TOTP secret, encrypted with the field encryption key (never in clear in the database).
    totp_secret_encrypted: Mapped[str | None] = mapped_column(
        encrypted_type(TOTP_SECRET_MAX),
        info=encrypted_info(TOTP_SECRET_MAX, personal("security", "client_relationship")),
    )
    totp_enabled_at: Mapped[datetime | None] = mapped_column(
        info=personal("security", "client_relationship")
    )
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger, info=not_personal())

    client = relationship("Client", back_populates="user", uselist=False)

    @property
    def name_shown(self) -> str:
        """The name to show for this account: its display name, else its e-mail address."""
        return self.display_name or self.email

    @property
    def is_admin(self) -> bool:
        return self.role == ROLE_ADMIN

    @property
    def is_active(self) -> bool:  # Flask-Login: a disabled account cannot log in
        return self.is_enabled

    def get_id(self) -> str:
        """Identity stored in the session: id and session version, so old cookies die."""
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"
