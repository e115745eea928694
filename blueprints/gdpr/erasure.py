"""Routes of an erasure: the client confirms by the mail's link, an admin carries it out.

The confirmation page says what goes and what stays (invoices kept by law, no duplicate given
afterwards) and offers the ZIP of every document first. The link is bound to the request and its
client: opened by another client, or once the request is closed, it is a 404.
"""

from __future__ import annotations

from flask import abort, current_app, flash, render_template, url_for
from flask_login import current_user

from blueprints.gdpr import bp
from models import db
from models.data_rights import KIND_ERASURE, DataRightsRequest
from services.erasure import (
    TOKEN_PURPOSE,
    confirmation_max_age,
    erase_client,
    erasure_problem,
    send_erasure_confirmation,
)
from services.erasure import (
    confirm_erasure as record_confirmation,
)
from services.i18n import gettext as _
from services.tokens import TokenExpired, TokenInvalid, read_token
from web.access import admin_required, client_required
from web.forms import EmptyForm
from web.htmx import htmx_redirect

FORM_METHODS = ["GET", "POST"]


def _request_of_token(token: str) -> tuple[DataRightsRequest | None, bool]:
    """The open erasure request of the current client that ``token`` names; (request, expired)."""
    try:
        payload = read_token(TOKEN_PURPOSE, token, confirmation_max_age())
    except TokenExpired:
        return None, True
    except TokenInvalid:
        abort(404)
    found = db.session.get(DataRightsRequest, payload.get("request") or 0)
    client = current_user.client
    if (
        found is None
        or client is None
        or found.client_id != client.id
        or payload.get("client") != client.id
        or found.kind != KIND_ERASURE
        or not found.is_open
    ):
        abort(404)
    return found, False


@bp.route("/account/privacy/erasure/<token>", methods=FORM_METHODS)
@client_required
def confirm_erasure(token: str):
    """What an erasure removes and keeps, the documents to download first, and the confirmation."""
    found, expired = _request_of_token(token)
    if expired:
        return render_template("gdpr/erasure_expired.html"), 410
    form = EmptyForm()
    if form.validate_on_submit():
        record_confirmation(found)
        db.session.commit()
        flash(
            _(
                "Votre demande de suppression est confirmée. Nous vous écrirons quand elle sera "
                "effectuée."
            ),
            "success",
        )
        return htmx_redirect(url_for("gdpr.account_privacy"))
    return render_template("gdpr/erasure_confirm.html", form=form, data_request=found)


@bp.post("/admin/gdpr/requests/<int:request_id>/confirmation")
@admin_required
def resend_erasure_confirmation(request_id: int):
    """Send the client the confirmation link again (lost or expired)."""
    found = db.get_or_404(DataRightsRequest, request_id)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    if found.kind != KIND_ERASURE or not found.is_open or found.client_id is None:
        flash(_("Cette demande n'est pas une demande d'effacement en cours."), "error")
    elif found.confirmed_at is not None:
        flash(_("Le client a déjà confirmé sa demande."), "info")
    else:
        send_erasure_confirmation(found)
        db.session.commit()
        flash(_("Le lien de confirmation a été renvoyé au client."), "success")
    return htmx_redirect(url_for("gdpr.admin_request", request_id=request_id))


@bp.post("/admin/gdpr/requests/<int:request_id>/erase")
@admin_required
def erase(request_id: int):
    """Carry out a confirmed erasure request: the client and their data go, for good."""
    found = db.get_or_404(DataRightsRequest, request_id)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    problem = erasure_problem(found, current_app)
    if problem:
        flash(problem, "error")
        return htmx_redirect(url_for("gdpr.admin_request", request_id=request_id))
    result = erase_client(found.client_id, actor=current_user, request=found)
    message = _("Le client a été effacé. Ses factures émises restent dans l'archive légale.")
    if result.files_left:
        message += " " + _(
            "%(count)d fichier(s) n'ont pas pu être supprimés : voyez le journal du serveur.",
            count=len(result.files_left),
        )
    flash(message, "success" if not result.files_left else "warning")
    return htmx_redirect(url_for("gdpr.admin_request", request_id=request_id))


def erasure_context(data_request: DataRightsRequest) -> dict:
    """What the admin's request page shows of an erasure: blockers, and whether it can run."""
    if data_request.kind != KIND_ERASURE:
        return {}
    return {
        "erasure_problem": erasure_problem(data_request, current_app),
        "erasure_form": EmptyForm(),
    }
