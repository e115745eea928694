"""Routes of contracts: the client's own under /contracts, every client's under /admin.

A client's page and its admin twin are one view taking a scope (``web.client_scope``); every
query is scoped to the scope's client, so another client's contract is a 404. Admins create,
change, renew and cancel contracts; a client refuses a renewal through a ticket (the "contrat /
abonnement" subject of the ticket form, which records it on the contract).
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import (
    abort,
    current_app,
    flash,
    make_response,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy.orm import joinedload

from blueprints.contracts import bp, rules
from blueprints.contracts.document import file_name, sheet_bytes
from blueprints.contracts.forms import ContractForm
from blueprints.contracts.renewals import (
    create_contract,
    end_contract,
    renew,
    update_contract,
    withdraw_non_renewal,
)
from models import db
from models.contract import (
    KINDS,
    STATUS_ACTIVE,
    STATUS_CANCELLED,
    STATUS_ENDED,
    Contract,
    ContractPeriod,
)
from models.invoice import STATUS_ISSUED, Invoice
from services.activity import log_activity
from services.dates import company_today
from services.i18n import gettext as _
from services.i18n import lazy_gettext as _l
from web.access import admin_required, client_required
from web.client_scope import ClientScope, admin_scope, client_twin_routes, own_scope
from web.forms import record_id, render_form
from web.htmx import htmx_redirect, render_page_or_fragment

FORM_METHODS = ["GET", "POST"]
SECTION = "contracts"


def _list_url(scope: ClientScope) -> str:
    if scope.by_admin:
        return url_for("contracts.admin_client_contracts", client_id=scope.client_id)
    return url_for("contracts.account_contracts")


def _contract_url(scope: ClientScope, contract_id: int) -> str:
    if scope.by_admin:
        return url_for(
            "contracts.admin_contract", client_id=scope.client_id, contract_id=contract_id
        )
    return url_for("contracts.account_contract", contract_id=contract_id)


def contract_of_scope_or_404(scope: ClientScope, contract_id: int) -> Contract:
    contract = db.session.scalar(
        sa.select(Contract).where(Contract.id == contract_id, Contract.client_id == scope.client_id)
    )
    if contract is None:
        abort(404)
    return contract


def _deadlines(contract: Contract) -> dict:
    today = company_today()
    return {
        "refusal_deadline": rules.refusal_deadline(contract),
        "days_left": (contract.ends_on - today).days,
        "may_refuse": contract.is_active
        and contract.is_tacit
        and contract.non_renewal_requested_at is None,
    }


# ---------------------------------------------------------------- both sides


def _contracts_page(scope: ClientScope):
    """The client's contracts and subscriptions, running ones first."""
    contracts = db.session.scalars(
        sa.select(Contract)
        .where(Contract.client_id == scope.client_id)
        .order_by((Contract.status == STATUS_ACTIVE).desc(), Contract.ends_on, Contract.id)
    ).all()
    return render_template(
        "contracts/contracts_of_client.html",
        scope=scope,
        contracts=contracts,
        contract_url=lambda contract_id: _contract_url(scope, contract_id),
        today=company_today(),
    )


@bp.get("/contracts")
@client_required
def account_contracts():
    """The client's own contracts and subscriptions."""
    return _contracts_page(own_scope())


@bp.get("/admin/clients/<int:client_id>/contracts")
@admin_required
def admin_client_contracts(client_id: int):
    """One client's contracts and subscriptions, and the way to add one."""
    return _contracts_page(admin_scope(client_id, SECTION))


@client_twin_routes(
    bp,
    client="/contracts/<int:contract_id>",
    admin="/admin/clients/<int:client_id>/contracts/<int:contract_id>",
    section=SECTION,
)
def contract(scope: ClientScope, contract_id: int):
    """One contract: its terms, its deadlines, its periods and their invoices."""
    found = contract_of_scope_or_404(scope, contract_id)
    periods = db.session.scalars(
        sa.select(ContractPeriod)
        .where(ContractPeriod.contract_id == found.id)
        .order_by(ContractPeriod.starts_on.desc())
    ).all()
    invoice_ids = [period.invoice_id for period in periods if period.invoice_id]
    invoice_query = sa.select(Invoice).where(Invoice.id.in_(invoice_ids))
    if not scope.by_admin:
        invoice_query = invoice_query.where(Invoice.status == STATUS_ISSUED)
    invoices = {invoice.id: invoice for invoice in db.session.scalars(invoice_query)}
    return render_template(
        "contracts/contract.html",
        scope=scope,
        contract=found,
        periods=periods,
        invoices=invoices,
        list_url=_list_url(scope),
        **_deadlines(found),
    )


@client_twin_routes(
    bp,
    client="/contracts/<int:contract_id>/pdf",
    admin="/admin/clients/<int:client_id>/contracts/<int:contract_id>/pdf",
    section=SECTION,
)
def contract_pdf(scope: ClientScope, contract_id: int):
    """The contract sheet (PDF) to download; each download is logged."""
    found = contract_of_scope_or_404(scope, contract_id)
    data = sheet_bytes(found)
    log_activity("contract.downloaded", target=found, detail=scope.detail)
    db.session.commit()
    response = make_response(data)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{file_name(found)}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------- admins

STATUS_FILTERS = {
    "active": _l("En cours"),
    "renewing": _l("À échéance prochaine"),
    "ended": _l("Terminés"),
    "cancelled": _l("Résiliés"),
    "all": _l("Tous"),
}
WITHIN_CHOICES = (30, 60, 90, 180)


def _admin_filters(args) -> dict:
    status = args.get("status", "active")
    if status not in STATUS_FILTERS:
        status = "active"
    within = args.get("within", type=int)
    if within not in WITHIN_CHOICES:
        within = 60
    kind = args.get("kind", "")
    if kind not in KINDS:
        kind = ""
    return {"status": status, "within": within, "kind": kind}


def _admin_condition(filters: dict):
    today = company_today()
    conditions = []
    status = filters["status"]
    if status in ("active", "renewing"):
        conditions.append(Contract.status == STATUS_ACTIVE)
    if status == "renewing":
        conditions.append(Contract.ends_on <= today + timedelta(days=filters["within"]))
    if status == "ended":
        conditions.append(Contract.status == STATUS_ENDED)
    if status == "cancelled":
        conditions.append(Contract.status == STATUS_CANCELLED)
    if filters["kind"]:
        conditions.append(Contract.kind == filters["kind"])
    return sa.and_(sa.true(), *conditions)


def _cursor(contract: Contract) -> str:
    return f"{contract.ends_on:%Y%m%d}-{contract.id}"


def _after(text: str | None):
    """The (end date, id) a page starts after, from ``?after=`` (``None`` if absent or bad)."""
    day, _sep, number = (text or "").partition("-")
    try:
        return date(int(day[:4]), int(day[4:6]), int(day[6:8])), record_id(number)
    except ValueError:
        return None


@bp.get("/admin/contracts")
@admin_required
def admin_contracts():
    """Every client's contracts, filtered by status, deadline and kind, with their totals.

    Ordered by end date (the next deadline first), a page at a time (keyset on end date, id).
    """
    filters = _admin_filters(request.args)
    condition = _admin_condition(filters)
    size = current_app.config["PAGE_SIZE"]
    query = sa.select(Contract).where(condition).options(joinedload(Contract.client))
    after = _after(request.args.get("after"))
    if after is not None:
        query = query.where(sa.tuple_(Contract.ends_on, Contract.id) > sa.tuple_(*after))
    rows = db.session.scalars(query.order_by(Contract.ends_on, Contract.id).limit(size + 1)).all()
    yearly = Contract.price_cents * 12 / Contract.billing_months
    count, yearly_total = db.session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(yearly), 0)).where(condition)
    ).one()
    return render_page_or_fragment(
        "contracts/admin_contracts.html",
        "contracts/_admin_rows.html",
        contracts=rows[:size],
        next_after=_cursor(rows[size - 1]) if len(rows) > size else None,
        filters=filters,
        status_filters=STATUS_FILTERS,
        within_choices=WITHIN_CHOICES,
        kinds=KINDS,
        count=count,
        yearly_total=int(yearly_total),
        today=company_today(),
    )


@bp.route("/admin/clients/<int:client_id>/contracts/new", methods=FORM_METHODS)
@admin_required
def admin_new_contract(client_id: int):
    """Record a new contract or subscription of a client."""
    scope = admin_scope(client_id, SECTION)
    form = ContractForm()
    if request.method == "GET":
        form.starts_on.data = company_today()
    if form.validate_on_submit():
        values = form.values()
        problem = rules.contract_problem(
            **{key: values[key] for key in _RULED}, price_cents=values["price_cents"]
        )
        if problem:
            form.form_errors.append(problem)
        else:
            created = create_contract(scope.client, values, current_user)
            db.session.commit()
            flash(_("Contrat enregistré."), "success")
            return htmx_redirect(_contract_url(scope, created.id))
    return render_form(
        "contracts/contract_form.html",
        form,
        title=_("Nouveau contrat pour %(client)s", client=scope.client.display_name),
        cancel_url=_list_url(scope),
    )


_RULED = (
    "kind",
    "starts_on",
    "term_months",
    "billing_months",
    "vat_rate_bp",
    "renewal",
    "notice_days",
)


@bp.route("/admin/clients/<int:client_id>/contracts/<int:contract_id>/edit", methods=FORM_METHODS)
@admin_required
def admin_edit_contract(client_id: int, contract_id: int):
    """Change a contract's terms; they apply from its next renewal."""
    scope = admin_scope(client_id, SECTION)
    found = contract_of_scope_or_404(scope, contract_id)
    form = ContractForm(obj=found)
    if request.method == "GET":
        form.price.data = found.price_cents
        form.vat_rate.data = found.vat_rate_bp
    form.starts_on.render_kw = {"readonly": True}
    if form.validate_on_submit():
        values = form.values()
        values["starts_on"] = found.starts_on
        problem = rules.contract_problem(
            **{key: values[key] for key in _RULED}, price_cents=values["price_cents"]
        )
        if problem:
            form.form_errors.append(problem)
        else:
            update_contract(found, values, current_user)
            db.session.commit()
            flash(_("Contrat enregistré."), "success")
            return htmx_redirect(_contract_url(scope, found.id))
    return render_form(
        "contracts/contract_form.html",
        form,
        title=_("Modifier le contrat « %(title)s »", title=found.title),
        cancel_url=_contract_url(scope, found.id),
    )


def _act_on(client_id: int, contract_id: int) -> tuple[ClientScope, Contract]:
    scope = admin_scope(client_id, SECTION)
    return scope, contract_of_scope_or_404(scope, contract_id)


@bp.post("/admin/clients/<int:client_id>/contracts/<int:contract_id>/renew")
@admin_required
def admin_renew_contract(client_id: int, contract_id: int):
    """Renew a running contract now: its next period and a draft invoice of it."""
    scope, found = _act_on(client_id, contract_id)
    if not found.is_active:
        flash(_("Ce contrat n'est plus en cours : il ne peut pas être renouvelé."), "error")
        return htmx_redirect(_contract_url(scope, found.id))
    period = renew(found, current_user)
    db.session.commit()
    if period is None:
        flash(_("Ce contrat vient d'être renouvelé par ailleurs."), "error")
    else:
        flash(
            _(
                "Contrat renouvelé jusqu'au %(end)s ; un brouillon de facture est prêt.",
                end=f"{period.ends_on:%d/%m/%Y}",
            ),
            "success",
        )
    return htmx_redirect(_contract_url(scope, found.id))


@bp.post("/admin/clients/<int:client_id>/contracts/<int:contract_id>/cancel")
@admin_required
def admin_cancel_contract(client_id: int, contract_id: int):
    """Cancel (résilier) a running contract now."""
    scope, found = _act_on(client_id, contract_id)
    if found.is_active:
        end_contract(found, status=STATUS_CANCELLED, actor=current_user)
        db.session.commit()
        flash(_("Contrat résilié."), "success")
    else:
        flash(_("Ce contrat n'est plus en cours."), "error")
    return htmx_redirect(_contract_url(scope, found.id))


@bp.post("/admin/clients/<int:client_id>/contracts/<int:contract_id>/non-renewal/withdraw")
@admin_required
def admin_withdraw_non_renewal(client_id: int, contract_id: int):
    """Clear a client's refusal of the renewal (they changed their mind)."""
    scope, found = _act_on(client_id, contract_id)
    if found.non_renewal_requested_at is not None and found.is_active:
        withdraw_non_renewal(found, current_user)
        db.session.commit()
        flash(_("Le contrat sera de nouveau reconduit à son échéance."), "success")
    return htmx_redirect(_contract_url(scope, found.id))
