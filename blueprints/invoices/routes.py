"""Routes of invoices: the client's own under /invoices, every client's under /admin.

A client's view and its admin twin are one view taking a :class:`Scope` (whose invoices, where to
go back), registered by :func:`twin_routes` on the client's URL (client login) and on the admin's
(``admin_required``). Every view scopes its query to the scope's client: another client's
invoice is a 404. Clients see issued documents only; drafts are the admins'.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import wraps

import sqlalchemy as sa
from flask import (
    Response,
    abort,
    current_app,
    flash,
    make_response,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from blueprints.invoices import bp, rules
from blueprints.invoices.billing import (
    draft_credit_note,
    issue_invoice,
    pdf_bytes,
    prepare_issue,
    record_download,
    record_payment,
    store_pdf,
)
from blueprints.invoices.document import file_name
from blueprints.invoices.forms import BLANK_LINES, MIN_LINES, InvoiceForm, LineForm, PaymentForm
from models import db
from models.client import Client
from models.intervention import Intervention
from models.invoice import (
    KIND_CREDIT_NOTE,
    KIND_INVOICE,
    PAYMENT_METHODS,
    STATUS_DRAFT,
    STATUS_ISSUED,
    Invoice,
    InvoiceLine,
    Payment,
)
from services.activity import log_activity
from services.client_documents import client_documents, zip_stream
from services.dates import company_today
from services.i18n import gettext as _
from services.i18n import lazy_gettext as _l
from web.access import admin_required, client_required, log_admin_view
from web.forms import record_id, render_form
from web.htmx import htmx_redirect, render_page_or_fragment

FORM_METHODS = ["GET", "POST"]
SECTION = "invoices"


@dataclass(frozen=True)
class Scope:
    """Whose invoices a view works on: the client's own or, for an admin, one client's."""

    client: Client
    client_id: int
    by_admin: bool

    def list_url(self) -> str:
        if self.by_admin:
            return url_for("invoices.admin_client_invoices", client_id=self.client_id)
        return url_for("invoices.account_invoices")

    def invoice_url(self, invoice_id: int) -> str:
        if self.by_admin:
            return url_for(
                "invoices.admin_invoice", client_id=self.client_id, invoice_id=invoice_id
            )
        return url_for("invoices.account_invoice", invoice_id=invoice_id)

    def url(self, endpoint: str, **values) -> str:
        """``invoices.<side>_<endpoint>`` for this scope."""
        if self.by_admin:
            return url_for(f"invoices.admin_{endpoint}", client_id=self.client_id, **values)
        return url_for(f"invoices.account_{endpoint}", **values)


def own_scope() -> Scope:
    client = current_user.client
    return Scope(client=client, client_id=client.id, by_admin=False)


def admin_scope(client_id: int) -> Scope:
    """An admin's view of one client's invoices (a 404 for no such client); the look is logged."""
    client = db.get_or_404(Client, client_id)
    log_admin_view(client_id, SECTION)
    return Scope(client=client, client_id=client_id, by_admin=True)


def twin_routes(*, client: str, admin: str, **options):
    """Register ``view(scope, ...)`` as ``account_<view>`` (client) and ``admin_<view>`` (admin)."""

    def register(view):
        @wraps(view)
        def for_the_client(**ids):
            return view(own_scope(), **ids)

        @wraps(view)
        def for_an_admin(client_id: int, **ids):
            return view(admin_scope(client_id), **ids)

        name = view.__name__
        bp.add_url_rule(client, f"account_{name}", client_required(for_the_client), **options)
        bp.add_url_rule(admin, f"admin_{name}", admin_required(for_an_admin), **options)
        return view

    return register


def invoice_of_scope_or_404(scope: Scope, invoice_id: int) -> Invoice:
    """The invoice ``invoice_id`` of the scope's client; drafts for admins only; else a 404."""
    query = sa.select(Invoice).where(Invoice.id == invoice_id, Invoice.client_id == scope.client_id)
    if not scope.by_admin:
        query = query.where(Invoice.status == STATUS_ISSUED)
    query = query.options(selectinload(Invoice.lines), joinedload(Invoice.corrects))
    invoice = db.session.scalar(query)
    if invoice is None:
        abort(404)
    return invoice


def _page(query: sa.Select, before: int | None):
    """One page of ``query``, newest first, and the id the next page starts before."""
    size = current_app.config["PAGE_SIZE"]
    if before is not None:
        query = query.where(Invoice.id < before)
    rows = db.session.scalars(query.order_by(Invoice.id.desc()).limit(size + 1)).all()
    return rows[:size], (rows[size - 1].id if len(rows) > size else None)


def _list_context(rows, next_before) -> dict:
    day = company_today()
    return {
        "invoices": rows,
        "next_before": next_before,
        "statuses": {invoice.id: rules.payment_status(invoice, day) for invoice in rows},
        "balances": {invoice.id: rules.balance_cents(invoice) for invoice in rows},
    }


# ---------------------------------------------------------------- both sides


@twin_routes(
    client="/invoices/<int:invoice_id>",
    admin="/admin/clients/<int:client_id>/invoices/<int:invoice_id>",
)
def invoice(scope: Scope, invoice_id: int):
    """One invoice or credit note, its lines, totals, payments and (for admins) its actions."""
    found = invoice_of_scope_or_404(scope, invoice_id)
    payments = found.payments if found.kind == KIND_INVOICE else []
    credit_notes = db.session.scalars(
        sa.select(Invoice).where(
            Invoice.corrects_id == found.id,
            Invoice.status == STATUS_ISSUED if not scope.by_admin else sa.true(),
        )
    ).all()
    status = rules.payment_status(found, company_today())
    return render_template(
        "invoices/invoice.html",
        scope=scope,
        invoice=found,
        result=rules.totals(found.lines),
        payments=payments,
        credit_notes=credit_notes,
        status=status,
        balance=rules.balance_cents(found),
        issue_problem=rules.issue_problem(found, current_app.config) if found.is_draft else None,
    )


@twin_routes(
    client="/invoices/<int:invoice_id>/pdf",
    admin="/admin/clients/<int:client_id>/invoices/<int:invoice_id>/pdf",
)
def invoice_pdf(scope: Scope, invoice_id: int):
    """The PDF made at issue, the same bytes every time; each download is kept and logged."""
    found = invoice_of_scope_or_404(scope, invoice_id)
    if found.pdf_stored_name is None:
        store_pdf(found)  # its making failed right after the issue
        db.session.commit()
    data = pdf_bytes(found)
    record_download(found, current_user, by_client=not scope.by_admin)
    db.session.commit()
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{file_name(found)}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@twin_routes(
    client="/invoices/<int:invoice_id>/print",
    admin="/admin/clients/<int:client_id>/invoices/<int:invoice_id>/print",
)
def invoice_print(scope: Scope, invoice_id: int):
    """A printable page of an issued invoice, with the same mentions as its PDF."""
    from blueprints.invoices.document import buyer_lines, mentions, seller_lines

    found = invoice_of_scope_or_404(scope, invoice_id)
    if found.is_draft:
        abort(404)
    return render_template(
        "invoices/print.html",
        scope=scope,
        invoice=found,
        result=rules.totals(found.lines),
        seller_lines=seller_lines(found.seller or {}),
        buyer_lines=buyer_lines(found),
        mentions=mentions(found),
    )


@twin_routes(client="/account/documents.zip", admin="/admin/clients/<int:client_id>/documents.zip")
def documents_zip(scope: Scope):
    """Every document of the client (invoices, credit notes...) in one ZIP, streamed."""
    documents = client_documents(scope.client_id)
    for document in documents:
        if document.on_download:
            document.on_download(current_user, not scope.by_admin)
    log_activity(
        "documents.downloaded",
        target=scope.client,
        detail={
            "documents": len(documents),
            **({"client": scope.client_id} if scope.by_admin else {}),
        },
    )
    db.session.commit()
    response = Response(stream_with_context(zip_stream(documents)), mimetype="application/zip")
    response.headers["Content-Disposition"] = 'attachment; filename="mes-documents.zip"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------- the client's own


@bp.get("/invoices")
@client_required
def account_invoices():
    """The client's invoices and credit notes, newest first, with their status and balance."""
    scope = own_scope()
    query = sa.select(Invoice).where(
        Invoice.client_id == scope.client_id, Invoice.status == STATUS_ISSUED
    )
    rows, next_before = _page(query, request.args.get("before", type=record_id))
    return render_page_or_fragment(
        "invoices/account_invoices.html",
        "invoices/_invoice_rows.html",
        **_list_context(rows, next_before),
        scope=scope,
    )


# ---------------------------------------------------------------- admins

# The filters of the admin list, in the order shown.
FILTER_LABELS = {
    "all": _l("Toutes"),
    "draft": _l("Brouillons"),
    "due": _l("À payer"),
    "overdue": _l("En retard"),
    "paid": _l("Payées"),
    "credit_notes": _l("Avoirs"),
}


def _filter_condition(name: str, day: date):
    unpaid = sa.and_(
        Invoice.status == STATUS_ISSUED,
        Invoice.kind == KIND_INVOICE,
        Invoice.total_incl_tax_cents > Invoice.paid_cents + Invoice.credited_cents,
    )
    if name == "due":
        return sa.and_(unpaid, Invoice.due_on >= day)
    if name == "overdue":
        return sa.and_(unpaid, Invoice.due_on < day)
    if name == "paid":
        return sa.and_(
            Invoice.status == STATUS_ISSUED,
            Invoice.kind == KIND_INVOICE,
            Invoice.total_incl_tax_cents <= Invoice.paid_cents + Invoice.credited_cents,
        )
    if name == "draft":
        return Invoice.status == STATUS_DRAFT
    if name == "credit_notes":
        return sa.and_(Invoice.kind == KIND_CREDIT_NOTE, Invoice.status == STATUS_ISSUED)
    return None


@bp.get("/admin/invoices")
@admin_required
def admin_invoices():
    """Every client's invoices, newest first, filtered by status."""
    chosen = request.args.get("status", "all")
    if chosen not in FILTER_LABELS:
        chosen = "all"
    query = sa.select(Invoice).options(joinedload(Invoice.client))
    condition = _filter_condition(chosen, company_today())
    if condition is not None:
        query = query.where(condition)
    rows, next_before = _page(query, request.args.get("before", type=record_id))
    return render_page_or_fragment(
        "invoices/admin_invoices.html",
        "invoices/_admin_rows.html",
        **_list_context(rows, next_before),
        chosen=chosen,
        filters=FILTER_LABELS,
        sums=rules.sums(db.session, condition),
    )


def _payment_filters(args) -> tuple[dict, list[str]]:
    """The payments list's filters from the query string, and what was refused in it.

    A bad date is named in the page and ignored; the typing is shown back as it was.
    """
    problems: list[str] = []
    method = args.get("method", "")
    if method not in PAYMENT_METHODS:
        method = ""
    dates = {}
    for name, label in (("start", _("Du")), ("end", _("Au"))):
        typed = args.get(name, "").strip()[:32]
        dates[name] = None
        if typed:
            try:
                dates[name] = date.fromisoformat(typed)
            except ValueError:
                problems.append(_("« %(label)s » : saisissez une date valide.", label=label))
        dates[f"{name}_typed"] = typed
    client_id = args.get("client", type=record_id)
    client = db.session.get(Client, client_id) if client_id else None
    if client_id and client is None:
        abort(404)
    return {"method": method, "client": client, "client_id": client_id, **dates}, problems


def _payment_condition(filters: dict):
    conditions = []
    if filters["method"]:
        conditions.append(Payment.method == filters["method"])
    if filters["start"]:
        conditions.append(Payment.paid_on >= filters["start"])
    if filters["end"]:
        conditions.append(Payment.paid_on <= filters["end"])
    if filters["client_id"]:
        conditions.append(Invoice.client_id == filters["client_id"])
    return sa.and_(sa.true(), *conditions)


def _payment_cursor(payment: Payment) -> str:
    return f"{payment.paid_on:%Y%m%d}-{payment.id}"


def _payment_before(text: str | None):
    """The (date, id) a page of payments starts before, from ``?before=`` (None if absent or bad)."""
    day, _sep, number = (text or "").partition("-")
    try:
        return date(int(day[:4]), int(day[4:6]), int(day[6:8])), record_id(number)
    except ValueError:
        return None


@bp.get("/admin/payments")
@admin_required
def admin_payments():
    """Every client's payments (or one client's with ``?client=``), newest first, filtered by
    method and dates, with their count and amount in all and per method."""
    filters, problems = _payment_filters(request.args)
    if filters["client_id"]:
        log_admin_view(filters["client_id"], "payments")
    condition = _payment_condition(filters)
    size = current_app.config["PAGE_SIZE"]
    query = (
        sa.select(Payment)
        .join(Invoice, Payment.invoice_id == Invoice.id)
        .where(condition)
        .options(joinedload(Payment.invoice).joinedload(Invoice.client))
    )
    before = _payment_before(request.args.get("before"))
    if before is not None:
        query = query.where(sa.tuple_(Payment.paid_on, Payment.id) < sa.tuple_(*before))
    rows = db.session.scalars(
        query.order_by(Payment.paid_on.desc(), Payment.id.desc()).limit(size + 1)
    ).all()
    return render_page_or_fragment(
        "invoices/admin_payments.html",
        "invoices/_payment_rows.html",
        payments=rows[:size],
        next_before=_payment_cursor(rows[size - 1]) if len(rows) > size else None,
        filters=filters,
        problems=problems,
        methods=PAYMENT_METHODS,
        sums=rules.payment_sums(db.session, condition),
    )


@bp.get("/admin/clients/<int:client_id>/invoices")
@admin_required
def admin_client_invoices(client_id: int):
    """One client's invoices, drafts included."""
    scope = admin_scope(client_id)
    query = sa.select(Invoice).where(Invoice.client_id == scope.client_id)
    rows, next_before = _page(query, request.args.get("before", type=record_id))
    return render_page_or_fragment(
        "invoices/admin_client_invoices.html",
        "invoices/_invoice_rows.html",
        **_list_context(rows, next_before),
        scope=scope,
        client=scope.client,
        to_bill=db.session.scalars(rules.interventions_to_bill_query(scope.client_id)).all(),
    )


def _form_for(invoice: Invoice | None, intervention: Intervention | None = None) -> InvoiceForm:
    """The draft form; on a first display, the draft's lines and a few empty ones under them.

    Drafted from an intervention, its first line is the time spent on it.
    """
    if request.method == "POST":
        return InvoiceForm()
    form = InvoiceForm(obj=invoice) if invoice is not None else InvoiceForm()
    lines = list(invoice.lines) if invoice is not None else []
    if intervention is not None:
        form.service_date.data = intervention.starts_at.date()
        lines = [rules.intervention_line(intervention, current_app.config)]
    while len(form.lines.entries):
        form.lines.pop_entry()
    for line in lines:
        form.lines.append_entry(
            {
                "description": line.description,
                "quantity": line.quantity_thousandths,
                "unit_price": line.unit_price_cents,
                "vat_rate": line.vat_rate_bp,
                "discount": line.discount_bp or None,
            }
        )
    for _index in range(max(BLANK_LINES, MIN_LINES - len(lines))):
        form.lines.append_entry()
    return form


def _fill_draft(invoice: Invoice, form: InvoiceForm) -> None:
    invoice.service_date = form.service_date.data
    invoice.operation_category = form.operation_category.data
    invoice.note = (form.note.data or "").strip() or None
    lines: list[LineForm] = form.filled_lines()
    invoice.lines = [
        InvoiceLine(
            position=position,
            description=line.description.data.strip(),
            quantity_thousandths=line.quantity.data,
            unit_price_cents=line.unit_price.data,
            vat_rate_bp=line.vat_rate.data,
            discount_bp=line.discount.data or 0,
        )
        for position, line in enumerate(lines, start=1)
    ]


def _intervention_to_bill(scope: Scope, intervention_id: int | None) -> Intervention | None:
    """The intervention ``?intervention=`` names, if it is the client's; else a 404."""
    if intervention_id is None:
        return None
    found = db.session.scalar(
        sa.select(Intervention).where(
            Intervention.id == intervention_id, Intervention.client_id == scope.client_id
        )
    )
    if found is None:
        abort(404)
    return found


@bp.route("/admin/clients/<int:client_id>/invoices/new", methods=FORM_METHODS)
@admin_required
def admin_new_invoice(client_id: int):
    """Draft an invoice for a client from its lines, or from one of its interventions."""
    scope = admin_scope(client_id)
    intervention = _intervention_to_bill(scope, request.args.get("intervention", type=record_id))
    form = _form_for(None, intervention)
    if form.validate_on_submit():
        draft = Invoice(
            client_id=scope.client_id,
            kind=KIND_INVOICE,
            created_by_id=current_user.id,
            intervention_id=intervention.id if intervention else None,
        )
        _fill_draft(draft, form)
        db.session.add(draft)
        db.session.flush()
        log_activity("invoice.drafted", target=draft, detail={"client": scope.client_id})
        db.session.commit()
        flash(_("Brouillon de facture enregistré."), "success")
        return htmx_redirect(scope.invoice_url(draft.id))
    return render_form(
        "invoices/invoice_form.html",
        form,
        title=_("Nouvelle facture pour %(client)s", client=scope.client.display_name),
        cancel_url=scope.list_url(),
        invoice=None,
    )


@bp.route("/admin/clients/<int:client_id>/invoices/<int:invoice_id>/edit", methods=FORM_METHODS)
@admin_required
def admin_edit_invoice(client_id: int, invoice_id: int):
    """Change a draft; an issued invoice never changes (409, and the way to a credit note)."""
    scope = admin_scope(client_id)
    found = invoice_of_scope_or_404(scope, invoice_id)
    problem = rules.edit_problem(found)
    if problem:
        return render_template(
            "invoices/frozen.html", invoice=found, problem=problem, scope=scope
        ), 409
    form = _form_for(found)
    if form.validate_on_submit():
        _fill_draft(found, form)
        log_activity("invoice.draft_updated", target=found, detail={"client": scope.client_id})
        db.session.commit()
        flash(_("Brouillon enregistré."), "success")
        return htmx_redirect(scope.invoice_url(found.id))
    title = (
        _("Modifier le brouillon d'avoir") if found.is_credit_note else _("Modifier le brouillon")
    )
    return render_form(
        "invoices/invoice_form.html",
        form,
        title=title,
        cancel_url=scope.invoice_url(found.id),
        invoice=found,
    )


@bp.post("/admin/clients/<int:client_id>/invoices/<int:invoice_id>/delete")
@admin_required
def admin_delete_invoice(client_id: int, invoice_id: int):
    """Delete a draft (the page asked for confirmation); an issued invoice is never deleted."""
    scope = admin_scope(client_id)
    found = invoice_of_scope_or_404(scope, invoice_id)
    problem = rules.edit_problem(found)
    if problem:
        flash(problem, "error")
        return htmx_redirect(scope.invoice_url(found.id))
    log_activity("invoice.draft_deleted", target=found, detail={"client": scope.client_id})
    db.session.delete(found)
    db.session.commit()
    flash(_("Brouillon supprimé."), "success")
    return htmx_redirect(scope.list_url())


def _store_pdf_or_later(invoice: Invoice) -> None:
    """Make the PDF of a just issued invoice; if that fails, the first download makes it."""
    try:
        store_pdf(invoice)
        db.session.commit()
    except Exception:
        db.session.rollback()
        current_app.logger.exception("PDF of invoice %s not made at issue", invoice.id)


@bp.post("/admin/clients/<int:client_id>/invoices/<int:invoice_id>/issue")
@admin_required
def admin_issue_invoice(client_id: int, invoice_id: int):
    """Issue a draft: its number, frozen details and PDF (the page asked for confirmation)."""
    scope = admin_scope(client_id)
    found = invoice_of_scope_or_404(scope, invoice_id)
    problem = rules.issue_problem(found, current_app.config)
    if problem:
        flash(problem, "error")
        return htmx_redirect(scope.invoice_url(found.id))
    day = company_today()
    prepare_issue(found, day)
    try:
        issue_invoice(found, day)
        db.session.commit()
    except rules.AlreadyIssued:
        db.session.rollback()
        flash(str(rules.ALREADY_ISSUED), "error")
        return htmx_redirect(scope.invoice_url(invoice_id))
    _store_pdf_or_later(found)
    flash(_("%(kind)s n° %(number)s émise.", kind=found.kind_label, number=found.number), "success")
    return htmx_redirect(scope.invoice_url(found.id))


@bp.post("/admin/clients/<int:client_id>/invoices/<int:invoice_id>/credit-note")
@admin_required
def admin_new_credit_note(client_id: int, invoice_id: int):
    """Draw up a draft credit note for an issued invoice, its lines copied to be adjusted."""
    scope = admin_scope(client_id)
    found = invoice_of_scope_or_404(scope, invoice_id)
    problem = rules.credit_note_problem(found)
    if problem:
        flash(problem, "error")
        return htmx_redirect(scope.invoice_url(found.id))
    credit_note = draft_credit_note(found, current_user)
    db.session.commit()
    flash(_("Brouillon d'avoir créé : ajustez ses lignes puis émettez-le."), "success")
    return htmx_redirect(
        url_for("invoices.admin_edit_invoice", client_id=scope.client_id, invoice_id=credit_note.id)
    )


@bp.route(
    "/admin/clients/<int:client_id>/invoices/<int:invoice_id>/payments/new", methods=FORM_METHODS
)
@admin_required
def admin_new_payment(client_id: int, invoice_id: int):
    """Record a payment received for an issued invoice (partial payments allowed)."""
    scope = admin_scope(client_id)
    found = invoice_of_scope_or_404(scope, invoice_id)
    form = PaymentForm()
    if request.method == "GET":
        form.paid_on.data = company_today()
        form.amount.data = max(rules.balance_cents(found), 0) or None
    problem = rules.payment_problem(found, 0)
    if problem and not form.is_submitted():
        flash(problem, "error")
        return htmx_redirect(scope.invoice_url(found.id))
    if form.validate_on_submit():
        problem = rules.payment_problem(found, form.amount.data)
        if problem:
            form.amount.errors.append(problem)
        else:
            record_payment(
                found,
                paid_on=form.paid_on.data,
                amount_cents=form.amount.data,
                method=form.method.data,
                reference=(form.reference.data or "").strip() or None,
                user=current_user,
            )
            db.session.commit()
            flash(_("Paiement enregistré."), "success")
            return htmx_redirect(scope.invoice_url(found.id))
    return render_form(
        "invoices/payment_form.html",
        form,
        title=_("Paiement de la facture n° %(number)s", number=found.number),
        cancel_url=scope.invoice_url(found.id),
        invoice=found,
        balance=rules.balance_cents(found),
    )
