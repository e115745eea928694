"""Restriction of a client's processing (GDPR art. 18).

While a restriction is in place (during a dispute over the accuracy of the data, for instance),
the client's data are kept but used for nothing but storage and legal claims: no mail they did
not ask for and no law requires (:data:`OPTIONAL_MAILS`), no purge (the data must stay), and every
admin page of the client says so. Placing and lifting it are logged and told to the client.

Every mail template is classified here: :data:`OPTIONAL_MAILS` stop during a restriction,
:data:`NEEDED_MAILS` go on (a test fails when a new template is in neither).
"""

from __future__ import annotations

from models import utcnow
from models.client import Client
from services.activity import log_activity
from services.i18n import lazy_gettext as _l

# Mails the client did not ask for and no law requires: not sent while restricted.
OPTIONAL_MAILS = frozenset({"birthday", "contract_reminder", "licence_reminder", "newsletter"})
# Mails that go on: the client's own requests and account, their rights, legal duties.
NEEDED_MAILS = frozenset(
    {
        "account_exists",
        "admin_invitation",  # to admins
        "client_invitation",  # an account the client does not have yet
        "contract_consumer_notice",  # Code de la consommation L215-1
        "data_rights_closed",
        "email_change_confirm",
        "email_change_notice",
        "erasure_confirm",
        "erasure_done",
        "invoice_reminder",  # a legal claim
        "login_attack",
        "newsletter_confirm",  # the client asked for it
        "password_changed",
        "reset_password",
        "restriction_lifted",
        "restriction_placed",
        "retention_notice",
        "second_factor_changed",
        "test",  # to the admin who asks for it
        "ticket_answered",
        "ticket_client_wrote",  # to staff
        "ticket_new_staff",  # to staff
        "ticket_received",
        "totp_reset",
        "verify_email",
    }
)


def is_restricted_address(email: str) -> bool:
    """Whether ``email`` is the address of a client whose processing is restricted."""
    from services.accounts import find_account

    user = find_account(email)
    client = user.client if user is not None else None
    return client is not None and client.restricted_at is not None


def mail_stopped(to: str, template: str) -> bool:
    """Whether the mail ``template`` to ``to`` must not go (an optional mail, a restricted client)."""
    return template in OPTIONAL_MAILS and is_restricted_address(to)


def restrict_processing(client: Client, reason: str, actor) -> None:
    """Place a restriction on ``client``, log it and tell them; the caller commits."""
    from services.mail import mail_url, send_mail

    client.restricted_at = utcnow()
    client.restriction_reason = reason
    log_activity("gdpr.restriction_placed", target=client, actor=actor)
    if client.user is not None:
        send_mail(
            client.user.email,
            "restriction_placed",
            _l("Limitation du traitement de vos données"),
            locale=client.user.locale,
            reason=reason,
            link=mail_url("gdpr.account_privacy"),
        )


def lift_restriction(client: Client, actor) -> None:
    """End the restriction of ``client``, log it and tell them; the caller commits."""
    from services.mail import mail_url, send_mail

    client.restricted_at = None
    client.restriction_reason = None
    log_activity("gdpr.restriction_lifted", target=client, actor=actor)
    if client.user is not None:
        send_mail(
            client.user.email,
            "restriction_lifted",
            _l("Fin de la limitation du traitement de vos données"),
            locale=client.user.locale,
            link=mail_url("gdpr.account_privacy"),
        )
