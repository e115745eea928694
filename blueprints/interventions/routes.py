"""Routes of interventions: the client reads theirs under /account, admins manage every one.

A client's queries are scoped to their own client file: another client's intervention is a 404,
for pages and fragments alike.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, render_template, request, url_for
from flask_login import current_user

from blueprints.interventions import bp
from blueprints.interventions.forms import NO_TECHNICIAN, InterventionForm, StatusForm
from blueprints.interventions.rules import (
    InterventionRuleError,
    all_interventions,
    change_status,
    client_interventions,
    default_end_date,
    end_date_problem,
    intervention_of_client_or_404,
    intervention_or_404,
    record_status,
    transition_problem,
)
from models import db
from models.client import Client
from models.device import Device
from models.intervention import STATUSES, Intervention
from models.user import ROLE_ADMIN, User
from services.activity import log_activity
from services.client_devices import device_choices
from services.dates import local_to_utc, utc_to_local
from services.i18n import gettext as _
from services.sanitize import sanitize_html
from web.access import admin_required, client_required, log_admin_view
from web.forms import render_form
from web.htmx import htmx_redirect, is_fragment_request, render_page_or_fragment


def _page_size() -> int:
    return current_app.config["PAGE_SIZE"]


# ---------------------------------------------------------------- the client's own


@bp.get("/account/interventions")
@client_required
def account_interventions():
    """The client's interventions, newest first; ``before`` pages on (fragment for htmx)."""
    items, next_cursor = client_interventions(
        current_user.client.id, request.args.get("before"), _page_size()
    )
    return render_page_or_fragment(
        "interventions/account_list.html",
        "interventions/_account_rows.html",
        interventions=items,
        next_cursor=next_cursor,
    )


@bp.get("/account/interventions/<int:intervention_id>")
@client_required
def account_intervention(intervention_id: int):
    """One of the client's interventions, with its report and its history."""
    intervention = intervention_of_client_or_404(intervention_id, current_user.client.id)
    return render_template("interventions/account_detail.html", intervention=intervention)


# ---------------------------------------------------------------- admins


def _technician_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        sa.select(User.id, User.email, User.display_name)
        .where(User.role == ROLE_ADMIN, User.is_enabled.is_(True))
        .order_by(sa.func.coalesce(User.display_name, User.email))
    )
    return [(row.id, row.display_name or row.email) for row in rows]


def _form(client_id: int, **kwargs) -> InterventionForm:
    return InterventionForm(
        device_choices=device_choices(client_id),
        technician_choices=_technician_choices(),
        **kwargs,
    )


def _apply_form(intervention: Intervention, form: InterventionForm) -> bool:
    """Copy ``form`` into ``intervention`` if the rules allow; False with errors on the form."""
    previous = intervention.status
    starts_at = local_to_utc(form.starts_at.data)
    ended_at = default_end_date(previous, form.status.data, local_to_utc(form.ended_at.data))
    problem = transition_problem(previous, form.status.data)
    if problem:
        form.status.errors.append(problem)
        return False
    problem = end_date_problem(form.status.data, starts_at, ended_at)
    if problem:
        form.ended_at.errors.append(problem)
        return False
    chosen = set(form.device_ids.data or [])
    intervention.starts_at = starts_at
    intervention.kind = form.kind.data
    intervention.description = form.description.data.strip()
    intervention.technician_id = (
        form.technician_id.data if form.technician_id.data != NO_TECHNICIAN else None
    )
    intervention.minutes_spent = form.minutes_spent.data
    intervention.status = form.status.data
    intervention.ended_at = ended_at
    intervention.report = sanitize_html(form.report.data.strip()) if form.report.data else None
    intervention.devices = (
        db.session.scalars(
            sa.select(Device).where(
                Device.client_id == intervention.client_id, Device.id.in_(chosen)
            )
        ).all()
        if chosen
        else []
    )
    record_status(intervention, previous, current_user)
    return True


SECTION = "interventions"


def _log_view_of_intervention(intervention_id: int) -> None:
    """Log the admin's look at an intervention's client (a 404 for no such intervention)."""
    client_id = db.session.scalar(
        sa.select(Intervention.client_id).where(Intervention.id == intervention_id)
    )
    if client_id is None:
        abort(404)
    log_admin_view(client_id, SECTION)


@bp.get("/admin/interventions")
@admin_required
def admin_interventions():
    """Every intervention, newest first, optionally of one status."""
    status = request.args.get("status")
    status = status if status in STATUSES else None
    items, next_cursor = all_interventions(status, request.args.get("before"), _page_size())
    return render_page_or_fragment(
        "interventions/admin_list.html",
        "interventions/_admin_rows.html",
        interventions=items,
        next_cursor=next_cursor,
        status=status,
        statuses=STATUSES,
        client=None,
    )


@bp.get("/admin/clients/<int:client_id>/interventions")
@admin_required
def admin_client_interventions(client_id: int):
    """The interventions of one client; the admin's look is logged."""
    client = db.get_or_404(Client, client_id)
    log_admin_view(client.id, SECTION)  # every page of the list, fragments too
    items, next_cursor = client_interventions(client.id, request.args.get("before"), _page_size())
    return render_page_or_fragment(
        "interventions/admin_list.html",
        "interventions/_admin_rows.html",
        interventions=items,
        next_cursor=next_cursor,
        status=None,
        statuses=STATUSES,
        client=client,
    )


def intervention_form(intervention: Intervention, client: Client, **defaults):
    """Plan an intervention (one without an id yet) or edit one: one form, the same rules.

    A status change follows the same rules as the buttons; ``defaults`` fill a new form.
    """
    is_new = intervention.id is None
    form = _form(client.id, obj=None if is_new else intervention, **defaults)
    if not is_new and not form.is_submitted():
        form.starts_at.data = utc_to_local(intervention.starts_at)
        form.ended_at.data = utc_to_local(intervention.ended_at)
        form.device_ids.data = [d.id for d in intervention.devices]
        form.technician_id.data = intervention.technician_id or NO_TECHNICIAN
    if form.validate_on_submit() and _apply_form(intervention, form):
        if is_new:
            db.session.add(intervention)
            db.session.flush()
            log_activity("intervention.created", target=intervention, detail={"client": client.id})
        else:
            log_activity("intervention.updated", target=intervention)
        db.session.commit()
        flash(_("Intervention enregistrée."), "success")
        return htmx_redirect(
            url_for("interventions.admin_intervention", intervention_id=intervention.id)
        )
    if is_new:
        title = _("Nouvelle intervention pour %(client)s", client=client.display_name)
        cancel_url = url_for("interventions.admin_client_interventions", client_id=client.id)
    else:
        title = _("Modifier l'intervention")
        cancel_url = url_for("interventions.admin_intervention", intervention_id=intervention.id)
    return render_form(
        "interventions/form.html", form, client=client, title=title, cancel_url=cancel_url
    )


@bp.route("/admin/clients/<int:client_id>/interventions/new", methods=["GET", "POST"])
@admin_required
def admin_new_intervention(client_id: int):
    """Plan (or record) an intervention for a client."""
    client = db.get_or_404(Client, client_id)
    log_admin_view(client_id, SECTION)  # the form lists the client's devices
    intervention = Intervention(client_id=client_id, status=None)
    intervention.events = []
    return intervention_form(intervention, client, technician_id=current_user.id)


@bp.get("/admin/interventions/<int:intervention_id>")
@admin_required
def admin_intervention(intervention_id: int):
    """One intervention, with its status actions and history; the admin's look is logged."""
    _log_view_of_intervention(intervention_id)
    intervention = intervention_or_404(intervention_id)
    return render_template(
        "interventions/admin_detail.html", intervention=intervention, form=StatusForm()
    )


@bp.route("/admin/interventions/<int:intervention_id>/edit", methods=["GET", "POST"])
@admin_required
def admin_edit_intervention(intervention_id: int):
    """Edit an intervention; a status change follows the same rules as the buttons."""
    _log_view_of_intervention(intervention_id)
    intervention = intervention_or_404(intervention_id)
    return intervention_form(intervention, intervention.client)


@bp.post("/admin/interventions/<int:intervention_id>/status")
@admin_required
def admin_change_status(intervention_id: int):
    """Change the status (start, finish, cancel, reopen); answers the status block for htmx."""
    intervention = intervention_or_404(intervention_id)
    form = StatusForm()
    status_code = 200
    error = None
    if form.validate_on_submit():
        previous = intervention.status
        try:
            change_status(intervention, form.status.data, current_user)
        except InterventionRuleError as exc:
            error = str(exc)
            status_code = 422
        else:
            log_activity(
                "intervention.cancelled"
                if form.status.data == "cancelled"
                else "intervention.status_changed",
                target=intervention,
                detail={"from": previous, "to": intervention.status},
            )
            db.session.commit()
            if not is_fragment_request():
                flash(_("Statut : %(status)s.", status=intervention.status_label), "success")
                return htmx_redirect(
                    url_for("interventions.admin_intervention", intervention_id=intervention.id)
                )
    else:
        error = " ".join(str(e) for e in form.status.errors) or _("Requête invalide.")
        status_code = 422
    template = (
        "interventions/_status.html" if is_fragment_request() else "interventions/admin_detail.html"
    )
    return render_template(
        template, intervention=intervention, form=StatusForm(formdata=None), error=error
    ), status_code
