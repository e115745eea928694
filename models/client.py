"""The client file (fiche client): identity, contact and company of a client."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import Base, not_personal, personal, utcnow
from services.i18n import gettext as _

CATEGORY_INDIVIDUAL = "particulier"
CATEGORY_PROFESSIONAL = "professionnel"
CATEGORY_ASSOCIATION = "association"
CATEGORIES = (CATEGORY_INDIVIDUAL, CATEGORY_PROFESSIONAL, CATEGORY_ASSOCIATION)

_contact = personal("contact", "client_relationship")
_company = personal("company", "client_relationship")
_consent = personal("communication", "consent_proof")


class Client(Base):
    __tablename__ = "client"
    __table_args__ = (sa.Index("ix_client_sort_key_id", "sort_key", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), unique=True, info=not_personal()
    )
    category: Mapped[str] = mapped_column(
        sa.String(16), default=CATEGORY_INDIVIDUAL, info=not_personal()
    )
    last_name: Mapped[str | None] = mapped_column(sa.String(100), index=True, info=_contact)
    first_name: Mapped[str | None] = mapped_column(sa.String(100), info=_contact)
    # Optional; the policy keeps it only to wish the client a happy birthday.
    birth_date: Mapped[date | None] = mapped_column(
        info=personal("contact", "client_relationship", purpose="anniversaire")
    )
    address_line1: Mapped[str | None] = mapped_column(sa.String(200), info=_contact)
    address_line2: Mapped[str | None] = mapped_column(sa.String(200), info=_contact)
    postcode: Mapped[str | None] = mapped_column(sa.String(16), info=_contact)
    city: Mapped[str | None] = mapped_column(sa.String(100), info=_contact)
    country: Mapped[str | None] = mapped_column(sa.String(2), default="FR", info=_contact)
    phone: Mapped[str | None] = mapped_column(sa.String(32), index=True, info=_contact)
    company_name: Mapped[str | None] = mapped_column(sa.String(200), index=True, info=_company)
    trade_name: Mapped[str | None] = mapped_column(sa.String(200), info=_company)
    head_office: Mapped[str | None] = mapped_column(sa.String(200), info=_company)
    head_office_address: Mapped[str | None] = mapped_column(sa.String(300), info=_company)
    # Digits only: 9 for a SIREN, 14 for a SIRET.
    siret: Mapped[str | None] = mapped_column(sa.String(14), info=_company)
    vat_number: Mapped[str | None] = mapped_column(sa.String(20), info=_company)
    rna_number: Mapped[str | None] = mapped_column(sa.String(10), info=_company)
    # Choices made at registration; the GDPR area keeps the history of consents.
    privacy_accepted_at: Mapped[datetime | None] = mapped_column(info=_consent)
    newsletter_consent: Mapped[bool] = mapped_column(
        default=False, server_default=sa.false(), info=_consent
    )
    newsletter_consent_at: Mapped[datetime | None] = mapped_column(info=_consent)
    # Birthday wishes (the only use of the birth date): the client may object in one click.
    birthday_objected_at: Mapped[datetime | None] = mapped_column(info=_consent)
    birthday_greeted_year: Mapped[int | None] = mapped_column(info=not_personal())
    # Restriction of processing (GDPR art. 18): kept, not used but for storage and legal claims.
    restricted_at: Mapped[datetime | None] = mapped_column(info=not_personal())
    restriction_reason: Mapped[str | None] = mapped_column(sa.String(500), info=_contact)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal())
    updated_at: Mapped[datetime] = mapped_column(
        default=utcnow, onupdate=utcnow, info=not_personal()
    )
    # The display name, lower-cased and without accents: the admin list is ordered on it.
    sort_key: Mapped[str] = mapped_column(
        sa.String(200), default="", server_default="", info=_contact
    )

    user = relationship("User", back_populates="client")
    # Kept in step with the client by models.client_search_index (a flush hook).
    search_terms = relationship(
        "ClientSearchTerm",
        back_populates="client",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def is_business(self) -> bool:
        """Professionals and associations have a company section."""
        return self.category in (CATEGORY_PROFESSIONAL, CATEGORY_ASSOCIATION)

    @property
    def display_name(self) -> str:
        """The name to show: the company for businesses, otherwise first and last name."""
        if self.category != CATEGORY_INDIVIDUAL and self.company_name:
            return self.company_name
        name = " ".join(p for p in (self.first_name, self.last_name) if p)
        return name or (self.user.email if self.user else _("Client n° %(id)s", id=self.id))

    def __repr__(self) -> str:
        return f"<Client {self.id} {self.category}>"
