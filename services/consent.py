"""Newsletter consent: opt-in, confirmed by e-mail, withdrawn in one click, with its proof.

- At registration, the unchecked box; the consent counts once the address is verified (the
  verification link is the confirmation by e-mail).
- From the client's privacy page: subscribing sends a confirmation link
  (``NEWSLETTER_CONFIRM_MAX_AGE_HOURS``); unsubscribing is one click.
- From a mail: a signed link (:func:`unsubscribe_token`) withdraws it without logging in, by a
  page's button or by the mail client's one-click ``List-Unsubscribe-Post`` (RFC 8058).

Every change writes a :class:`models.consent.ConsentRecord` (what, how, the wording shown).
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from models import db, utcnow
from models.client import Client
from models.consent import GIVEN, KIND_NEWSLETTER, WITHDRAWN, ConsentRecord
from services.activity import log_activity
from services.i18n import lazy_gettext as _l
from services.mail import mail_url, send_mail
from services.tokens import make_token, read_token

# The wording the client sees when they give their consent: kept with each record.
NEWSLETTER_WORDING = _l(
    "Je souhaite recevoir la lettre d'information (facultatif, révocable à tout moment)."
)
CONFIRM_PURPOSE = "newsletter_confirm"
UNSUBSCRIBE_PURPOSE = "newsletter_unsubscribe"


def record_consent(client: Client, action: str, source: str, wording: str | None = None) -> None:
    """Add the proof of a consent change; the caller commits."""
    db.session.add(
        ConsentRecord(
            client_id=client.id,
            kind=KIND_NEWSLETTER,
            action=action,
            source=source,
            wording=wording,
        )
    )


def give_newsletter_consent(client: Client, source: str) -> None:
    """The client consents (confirmed); the caller commits."""
    client.newsletter_consent = True
    client.newsletter_consent_at = utcnow()
    record_consent(client, GIVEN, source, str(NEWSLETTER_WORDING))
    log_activity("consent.newsletter_given", target=client, detail={"source": source})


def withdraw_newsletter_consent(client: Client, source: str) -> bool:
    """The client withdraws; nothing more is sent to them, not even a newsletter already being
    sent. Returns False if there was nothing to withdraw. The caller commits."""
    if not client.newsletter_consent:
        return False
    client.newsletter_consent = False
    client.newsletter_consent_at = utcnow()
    record_consent(client, WITHDRAWN, source)
    log_activity("consent.newsletter_withdrawn", target=client, detail={"source": source})
    from services.newsletters import stop_deliveries  # it reads consent tokens from here

    stop_deliveries(client)
    return True


def confirmation_max_age() -> timedelta:
    return timedelta(hours=int(current_app.config["NEWSLETTER_CONFIRM_MAX_AGE_HOURS"]))


def send_newsletter_confirmation(client: Client) -> None:
    """Mail the link that confirms the subscription (double opt-in); the caller commits."""
    user = client.user
    token = make_token(CONFIRM_PURPOSE, {"c": client.id})
    send_mail(
        user.email,
        "newsletter_confirm",
        _l("Confirmez votre inscription à la lettre d'information"),
        locale=user.locale,
        link=mail_url("gdpr.confirm_newsletter", token=token),
        hours=int(confirmation_max_age().total_seconds() // 3600),
    )
    log_activity("consent.newsletter_asked", target=client)


def unsubscribe_token(client: Client) -> str:
    """The token of a newsletter's unsubscribe link: names the client, needs no login."""
    return make_token(UNSUBSCRIBE_PURPOSE, {"c": client.id})


def client_of_token(purpose: str, token: str, max_age: timedelta) -> Client | None:
    """The client a token names (raises TokenInvalid / TokenExpired), or None if gone."""
    payload = read_token(purpose, token, max_age)
    client_id = payload.get("c")
    return db.session.get(Client, client_id) if isinstance(client_id, int) else None


def unsubscribe_max_age() -> timedelta:
    return timedelta(days=int(current_app.config["NEWSLETTER_UNSUBSCRIBE_MAX_AGE_DAYS"]))
