"""Routes of the data-rights area: the client's privacy page and the admins' requests.

The client's page shows only their own requests and the looks at their own file; the admins'
pages are behind ``admin_required``, and opening a request logs the look at its client.
"""

from __future__ import annotations

from flask import current_app, flash, render_template, request, url_for
from flask_login import current_user

from blueprints.gdpr import bp
from blueprints.gdpr.erasure import erasure_context
from blueprints.gdpr.forms import RequestStatusForm
from blueprints.gdpr.retention import source_label
from blueprints.gdpr.rules import (
    STATE_ALL,
    STATE_OPEN,
    consent_history,
    requests_of_client,
    requests_page,
    views_of_client,
)
from models import db, utcnow
from models.data_rights import DataRightsRequest
from services.activity import log_activity
from services.data_rights import (
    TRANSITIONS,
    change_request_status,
    erasure_checklist,
    request_status_problem,
)
from services.i18n import gettext as _
from services.mail import mail_url, send_mail
from services.retention import retention_clock
from web.access import admin_required, client_required, log_admin_view
from web.forms import record_id, render_form
from web.htmx import htmx_redirect, render_page_or_fragment

SECTION = "privacy"
VIEWS_PAGE = 20


@bp.get("/account/privacy")
@client_required
def account_privacy():
    """The client's data: their requests with status and deadline, who opened their file."""
    client = current_user.client
    before = request.args.get("before", type=record_id)
    views, next_before = views_of_client(client.id, before, VIEWS_PAGE)
    return render_page_or_fragment(
        "gdpr/account_privacy.html",
        "gdpr/_views.html",
        requests=requests_of_client(client.id),
        clock=retention_clock(db.session, client.id),
        consents=consent_history(client.id),
        source_label=source_label,
        views=views,
        next_before=next_before,
        today=utcnow().date(),
    )


@bp.get("/admin/gdpr")
@admin_required
def admin_requests():
    """Every data-rights request, the nearest deadline first; ``state`` open or all."""
    state = request.args.get("state", STATE_OPEN)
    if state not in (STATE_OPEN, STATE_ALL):
        state = STATE_OPEN
    page = request.args.get("page", type=record_id) or 0
    requests, more = requests_page(state, page, current_app.config["PAGE_SIZE"])
    return render_template(
        "gdpr/admin_requests.html",
        requests=requests,
        state=state,
        page=page,
        more=more,
        today=utcnow().date(),
    )


@bp.route("/admin/gdpr/requests/<int:request_id>", methods=["GET", "POST"])
@admin_required
def admin_request(request_id: int):
    """One request: its client, deadline and checklist; its status changed here."""
    data_request = db.get_or_404(DataRightsRequest, request_id)
    if data_request.client_id is not None:
        log_admin_view(data_request.client_id, SECTION)
        data_request = db.session.get(DataRightsRequest, request_id)
    form = RequestStatusForm()
    form.status.choices = [
        choice for choice in form.status.choices if choice.value in TRANSITIONS[data_request.status]
    ]
    if form.validate_on_submit():
        problem = request_status_problem(data_request, form.status.data)
        if problem is None:
            return _change(data_request, form.status.data)
        form.status.errors = [problem]
    checklist = (
        erasure_checklist(current_app, data_request.client_id)
        if data_request.client_id is not None and data_request.is_open
        else []
    )
    return render_form(
        "gdpr/admin_request.html",
        form,
        data_request=data_request,
        checklist=checklist,
        today=utcnow().date(),
        **erasure_context(data_request),
    )


def _change(data_request: DataRightsRequest, new_status: str):
    change_request_status(data_request, new_status)
    log_activity(
        "data_rights.request_status_changed",
        target=data_request,
        detail={"client": data_request.client_id, "status": new_status},
    )
    client = data_request.client
    if client is not None and client.user is not None and not data_request.is_open:
        send_mail(
            client.user.email,
            "data_rights_closed",
            _("Votre demande sur vos données personnelles"),
            locale=client.user.locale,
            data_request=data_request,
            link=mail_url("gdpr.account_privacy"),
        )
    db.session.commit()
    flash(_("Statut de la demande : %(status)s.", status=data_request.status_label), "success")
    return htmx_redirect(url_for("gdpr.admin_request", request_id=data_request.id))
