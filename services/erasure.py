"""Erasure of a client (GDPR art. 17, the policy's "droit à l'oubli").

A client asks through the ticket form's "Sujet" (or their privacy page); a mail gives them a
link to confirm, once they had the chance to download their documents; an admin then carries it
out from the request's page, unless something must be settled first (a running contract, an
unpaid invoice: :data:`BLOCKING_CHECKS`).

:func:`erase_client` runs in one transaction. The rows of the client go by the database's own
``ON DELETE CASCADE`` from the client row (devices, licences, interventions, tickets and their
messages, contracts...); what outlives them holds nothing personal but what the law requires:
issued invoices stay in the admins' legal archive with the buyer's details frozen on them
(Code de commerce L123-22), detached from the client; data-rights requests stay as the record
that the request was handled; activity-log entries keep numeric ids only, which name no one
once the rows are gone. Mails not yet sent to the client are dropped, their failed logins
forgotten, and the account goes with its password, second factor and recovery codes (so every
session ends: no user to load). Files (ticket attachments) are removed after the commit, with
retries; a failure before the commit leaves everything as it was.

Each erasure leaves a row in the erasure ledger: a keyed hash of the client's id and the day,
so that a backup restored later can erase them again (:func:`was_erased`).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask import Flask, current_app

from models import db, utcnow
from models.client import Client
from models.data_rights import (
    KIND_ERASURE,
    STATUS_DONE,
    DataRightsRequest,
    ErasureLedgerEntry,
)
from models.invoice import STATUS_DRAFT, Invoice
from models.login_failure import LoginFailure
from models.mail import OutboxMail
from models.user import User
from services import file_store
from services.activity import log_activity
from services.crypto import HASH_KEYS, configured_keys
from services.login_guard import account_key
from services.mail import mail_url, send_mail
from services.tokens import make_token

STEPS = "espace_client_erasure_steps"
# The checks of the erasure checklist that stop an erasure while their count is not zero.
BLOCKING_CHECKS = ("running_contracts", "unpaid_invoices")
TOKEN_PURPOSE = "erasure_confirm"  # noqa: S105 - a token salt name, not a secret
FILE_ATTEMPTS = 3
_LEDGER_PURPOSE = b"erasure-ledger\x00"

ErasureStep = Callable[[int], list[str]]


def register_erasure_step(app: Flask, name: str, step: ErasureStep) -> None:
    """Let an area act in the erasure of a client, inside its transaction.

    ``step(client_id)`` runs before the client row is deleted and returns the stored names of
    the files (``services.file_store``) to remove once the erasure is committed. A step that
    raises cancels the whole erasure.
    """
    app.extensions.setdefault(STEPS, {})[name] = step


# ---------------------------------------------------------------- the ledger


def ledger_key(client_id: int, key: bytes | None = None) -> str:
    """The keyed hash of ``client_id`` kept in the ledger (the first ``BLIND_INDEX_KEY``)."""
    key = key if key is not None else _ledger_keys()[0]
    return hmac.new(key, _LEDGER_PURPOSE + str(client_id).encode(), hashlib.sha256).hexdigest()


def _ledger_keys() -> list[bytes]:
    return configured_keys("BLIND_INDEX_KEY", HASH_KEYS["BLIND_INDEX_KEY"])


def was_erased(client_id: int) -> bool:
    """Whether the ledger says ``client_id`` was erased (under the current or a previous key)."""
    keys = [ledger_key(client_id, key) for key in _ledger_keys()]
    return (
        db.session.scalar(sa.select(sa.func.count()).where(ErasureLedgerEntry.client_key.in_(keys)))
        > 0
    )


# ---------------------------------------------------------------- before erasing


def erasure_blockers(app: Flask, client_id: int) -> list[tuple[str, int]]:
    """What must be settled before erasing ``client_id``: (label, count) of each blocking check."""
    checks = app.extensions.get("espace_client_erasure_checks", {})
    blocking = {name: checks[name] for name in BLOCKING_CHECKS if name in checks}
    found = [check(client_id) for check in blocking.values()]
    return [(label, count) for label, count in found if count]


def erasure_problem(request: DataRightsRequest, app: Flask) -> str | None:
    """Why ``request`` cannot be carried out now, or None."""
    from services.i18n import gettext as _

    if request.kind != KIND_ERASURE or not request.is_open:
        return _("Cette demande n'est pas une demande d'effacement en cours.")
    if request.client_id is None:
        return _("Ce client a déjà été effacé.")
    if request.confirmed_at is None:
        return _("Le client n'a pas encore confirmé sa demande par le lien reçu par e-mail.")
    if erasure_blockers(app, request.client_id):
        return _("Réglez d'abord les points bloquants de la liste ci-dessus.")
    return None


def confirmation_token(request: DataRightsRequest) -> str:
    return make_token(TOKEN_PURPOSE, {"request": request.id, "client": request.client_id})


def confirmation_max_age() -> timedelta:
    return timedelta(days=int(current_app.config["ERASURE_CONFIRM_MAX_AGE_DAYS"]))


def send_erasure_confirmation(request: DataRightsRequest) -> None:
    """Mail the client the link to confirm their erasure request; the caller commits."""
    from services.i18n import lazy_gettext as _l

    user = request.client.user if request.client else None
    if user is None:
        return
    send_mail(
        user.email,
        "erasure_confirm",
        _l("Confirmez la suppression de votre Espace Client"),
        locale=user.locale,
        data_request=request,
        link=mail_url("gdpr.confirm_erasure", token=confirmation_token(request)),
        documents_link=mail_url("gdpr.account_privacy"),
        max_age_days=confirmation_max_age().days,
    )
    request.confirmation_sent_at = utcnow()


def confirm_erasure(request: DataRightsRequest) -> None:
    """The client confirmed by the mail's link; the caller commits."""
    if request.confirmed_at is None:
        request.confirmed_at = utcnow()
        log_activity("data_rights.erasure_confirmed", target=request)


# ---------------------------------------------------------------- erasing


@dataclass
class ErasureResult:
    ledger_key: str
    files_removed: int = 0
    files_left: list[str] = field(default_factory=list)


def _drop_everything_of(client: Client, user: User | None) -> None:
    """The deletions and detachments, inside the caller's transaction."""
    client_id = client.id
    plain = {"synchronize_session": False}
    if user is not None:
        db.session.execute(
            sa.delete(OutboxMail).where(sa.func.lower(OutboxMail.recipient) == user.email.lower()),
            execution_options=plain,
        )
        db.session.execute(
            sa.delete(LoginFailure).where(LoginFailure.account_key == account_key(user.email)),
            execution_options=plain,
        )
    db.session.execute(
        sa.delete(Invoice).where(Invoice.client_id == client_id, Invoice.status == STATUS_DRAFT),
        execution_options=plain,
    )
    # Issued invoices stay in the legal archive, frozen, without their client.
    db.session.execute(
        sa.update(Invoice).where(Invoice.client_id == client_id).values(client_id=None),
        execution_options=plain,
    )
    db.session.execute(
        sa.update(DataRightsRequest)
        .where(DataRightsRequest.client_id == client_id)
        .values(client_id=None),
        execution_options=plain,
    )
    db.session.execute(sa.delete(Client).where(Client.id == client_id), execution_options=plain)
    if user is not None:
        db.session.execute(sa.delete(User).where(User.id == user.id), execution_options=plain)


def erase_client(
    client_id: int,
    *,
    actor=None,
    request: DataRightsRequest | None = None,
    notify: bool = True,
):
    """Erase client ``client_id`` for good (see the module); returns an :class:`ErasureResult`.

    Commits; on any failure the transaction is rolled back, files untouched, and the error
    raised again. ``notify=False`` (a restored backup erasing again) sends no last mail. The
    ledger entry is also appended to ``ERASURE_LEDGER_FILE``, outside the database.
    """
    app = current_app._get_current_object()
    client = db.session.get(Client, client_id)
    if client is None:
        raise LookupError(client_id)
    user = client.user
    email, locale = (user.email, user.locale) if user is not None else (None, None)
    key = ledger_key(client_id)
    try:
        files: list[str] = []
        for _name, step in sorted(app.extensions.get(STEPS, {}).items()):
            files.extend(step(client_id) or [])
        if request is not None:
            request.status = STATUS_DONE
            request.closed_at = utcnow()
            request_id = request.id
        else:
            request_id = None
        db.session.flush()
        _drop_everything_of(client, user)
        db.session.add(ErasureLedgerEntry(client_key=key, erased_on=date.today()))
        log_activity(
            "client.erased",
            actor=actor,
            detail={"request": request_id} if request_id else None,
        )
        if email and notify:
            send_mail(email, "erasure_done", _erased_subject(), locale=locale)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    db.session.expire_all()
    from services.backup import append_to_ledger_file  # it restores through this module

    append_to_ledger_file(key, date.today())
    result = ErasureResult(key)
    for stored_name in files:
        if remove_stored_file(stored_name):
            result.files_removed += 1
        else:
            result.files_left.append(stored_name)
    return result


def _erased_subject():
    from services.i18n import lazy_gettext as _l

    return _l("Votre Espace Client a été supprimé")


def remove_stored_file(stored_name: str) -> bool:
    """Remove a stored file, trying again a little later if the system refuses."""
    for attempt in range(FILE_ATTEMPTS):
        try:
            file_store.delete(stored_name)
            return True
        except FileNotFoundError:
            return True
        except OSError:
            time.sleep(0.1 * (attempt + 1))
    current_app.logger.warning("Fichier non supprimé après effacement : %s", stored_name)
    return False
