"""The mail outbox: each mail is a row written in the transaction of the act that causes it.

Life of a row: ``pending`` (due at ``next_attempt_at``) -> ``sending`` (claimed by one sender;
``next_attempt_at`` is then the end of its lease, after which a crashed sender's mail is taken
over) -> ``sent``, or back to ``pending`` with a back-off, or ``failed`` after the last attempt.
See :mod:`services.mail_delivery`.

The bodies hold live links (password reset, address verification, invitations): they are stored
only encrypted (``services.crypto``) while the mail waits, and blanked (NULL) once it is sent or
has failed for good; ``flask --app app mail send`` deletes sent and failed rows after
``MAIL_RETENTION_DAYS``.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models import Base, encrypted_info, encrypted_type, not_personal, personal, utcnow

_mail = personal("communication", "mail_outbox")
# Longest body (text or HTML) a mail may have, in characters; send_mail refuses longer.
BODY_MAX = 100_000

STATUS_PENDING = "pending"
STATUS_SENDING = "sending"
STATUS_SENT = "sent"
STATUS_FAILED = "failed"


class OutboxMail(Base):
    __tablename__ = "outbox_mail"
    __table_args__ = (sa.Index("ix_outbox_mail_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    created_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal())
    recipient: Mapped[str] = mapped_column(sa.String(254), info=_mail)
    subject: Mapped[str] = mapped_column(sa.String(255), info=_mail)
    body_text_encrypted: Mapped[str | None] = mapped_column(
        encrypted_type(BODY_MAX), info=encrypted_info(BODY_MAX, _mail)
    )
    body_html_encrypted: Mapped[str | None] = mapped_column(
        encrypted_type(BODY_MAX), info=encrypted_info(BODY_MAX, _mail)
    )
    template: Mapped[str] = mapped_column(sa.String(64), info=not_personal())
    status: Mapped[str] = mapped_column(sa.String(16), default=STATUS_PENDING, info=not_personal())
    attempts: Mapped[int] = mapped_column(default=0, info=not_personal())
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal())
    last_error: Mapped[str | None] = mapped_column(sa.String(500), info=not_personal())
    sent_at: Mapped[datetime | None] = mapped_column(info=not_personal())
    message_id: Mapped[str | None] = mapped_column(sa.String(255), info=not_personal())
    # The one-click unsubscribe address of a newsletter (List-Unsubscribe, RFC 2369 and 8058).
    list_unsubscribe: Mapped[str | None] = mapped_column(sa.String(1000), info=_mail)

    def __repr__(self) -> str:
        return f"<OutboxMail {self.id} {self.template} {self.status}>"
