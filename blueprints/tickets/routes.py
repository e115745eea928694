"""Routes of tickets: the client's under /tickets, one ticket's page for both sides.

A ticket's page, its reply and its attachments are one view per action for the client (their
own tickets: another client's is a 404) and for admins (every ticket, the look logged), told
apart by a :class:`Side`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import wraps

import sqlalchemy as sa
from flask import abort, current_app, flash, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from blueprints.tickets import bp
from blueprints.tickets.admin_routes import link_form_for, saved_replies
from blueprints.tickets.attachments import attachment_problems, store_attachments
from blueprints.tickets.forms import (
    KEEP_STATUS,
    NO_CONTRACT,
    NO_DEVICE,
    NOBODY,
    AdminReplyForm,
    AssigneeForm,
    NewTicketForm,
    ReplyForm,
    StatusForm,
)
from blueprints.tickets.notifications import (
    tell_client_answered,
    tell_client_ticket_received,
    tell_staff_client_wrote,
    tell_staff_new_ticket,
)
from blueprints.tickets.rules import (
    add_message,
    assign,
    change_status,
    client_tickets_query,
    mark_seen,
    message_for_key,
    open_ticket,
    reply_problem,
    status_problem,
    ticket_for_key,
    ticket_of_client,
    visible_messages,
)
from models import db
from models.contract import Contract
from models.data_rights import KIND_ERASURE
from models.ticket import (
    KIND_MESSAGE,
    KIND_NOTE,
    STATUS_CLOSED,
    STATUS_IN_PROGRESS,
    SUBJECT_ERASURE,
    SUBJECT_PERSONAL_DATA,
    SUBJECTS,
    Ticket,
    TicketMessage,
    new_idempotency_key,
)
from models.user import ROLE_ADMIN, User
from services.activity import log_activity
from services.client_devices import device_choices
from services.contract_requests import (
    non_renewal_problem,
    record_non_renewal,
    running_contracts_of,
)
from services.data_rights import open_request, request_of_ticket
from services.dates import format_when
from services.erasure import send_erasure_confirmation
from services.i18n import gettext as _
from services.sanitize import sanitize_html
from web.access import admin_required, client_required, log_admin_view
from web.forms import record_id, render_form, require_one_button_form
from web.htmx import htmx_redirect, is_fragment_request, render_page_or_fragment

SECTION = "tickets"
LIST_STATES = ("open", "closed", "all")


# ---------------------------------------------------------------- the side a view works for


@dataclass(frozen=True)
class Side:
    """The client's own tickets, or (``by_admin``) every ticket for an admin."""

    by_admin: bool

    def endpoint(self, action: str) -> str:
        return f"tickets.{'admin' if self.by_admin else 'account'}_{action}"

    def url(self, action: str, ticket: Ticket) -> str:
        return url_for(self.endpoint(action), ticket_id=ticket.id)

    def ticket_or_404(self, ticket_id: int) -> Ticket:
        """The ticket the side may see (with its client); an admin's look at it is logged."""
        if self.by_admin:
            ticket = db.session.scalar(
                sa.select(Ticket).where(Ticket.id == ticket_id).options(_ticket_relations())
            )
            if ticket is None:
                abort(404)
            log_admin_view(ticket.client_id, SECTION)
            # The log's commit expired the ticket: read it again, with what the page shows.
            return db.session.scalar(
                sa.select(Ticket).where(Ticket.id == ticket_id).options(_ticket_relations())
            )
        ticket = ticket_of_client(current_user.client.id, ticket_id)
        if ticket is None:
            abort(404)
        return ticket


def _ticket_relations():
    return joinedload(Ticket.client)


def twin_routes(*, client: str, admin: str, **options):
    """Register ``view(side, ...)`` as ``account_<view>`` (clients) and ``admin_<view>``."""

    def register(view):
        @wraps(view)
        def for_the_client(**ids):
            return view(Side(by_admin=False), **ids)

        @wraps(view)
        def for_an_admin(**ids):
            return view(Side(by_admin=True), **ids)

        name = view.__name__
        bp.add_url_rule(client, f"account_{name}", client_required(for_the_client), **options)
        bp.add_url_rule(admin, f"admin_{name}", admin_required(for_an_admin), **options)
        return view

    return register


# ---------------------------------------------------------------- the client's list

_CURSOR = re.compile(r"^(\d{20})-(\d{1,18})$")


def _cursor_of(ticket: Ticket) -> str:
    return f"{ticket.last_message_at:%Y%m%d%H%M%S%f}-{ticket.id}"


def _parse_cursor(value: str | None) -> tuple[datetime, int] | None:
    match = _CURSOR.match(value or "")
    if not match:
        return None
    try:
        return datetime.strptime(match.group(1), "%Y%m%d%H%M%S%f"), int(match.group(2))
    except ValueError:
        return None


def _page(query: sa.Select, before: str | None, size: int):
    """One page of tickets, most recently active first, and the next page's cursor."""
    cursor = _parse_cursor(before)
    if cursor is not None:
        at, last_id = cursor
        query = query.where(
            sa.or_(
                Ticket.last_message_at < at,
                sa.and_(Ticket.last_message_at == at, Ticket.id < last_id),
            )
        )
    rows = db.session.scalars(query.options(joinedload(Ticket.device)).limit(size + 1)).all()
    next_cursor = _cursor_of(rows[size - 1]) if len(rows) > size else None
    return rows[:size], next_cursor


@bp.get("/tickets")
@client_required
def account_tickets():
    """The client's tickets, most recently active first; ``state`` open/closed/all."""
    state = request.args.get("state", "open")
    if state not in LIST_STATES:
        state = "open"
    open_only = {"open": True, "closed": False, "all": None}[state]
    tickets, next_cursor = _page(
        client_tickets_query(current_user.client.id, open_only=open_only),
        request.args.get("before"),
        current_app.config["PAGE_SIZE"],
    )
    return render_page_or_fragment(
        "tickets/account_list.html",
        "tickets/_account_rows.html",
        tickets=tickets,
        next_cursor=next_cursor,
        state=state,
    )


# ---------------------------------------------------------------- a new ticket


def _sent_files(form) -> list:
    """The files actually chosen in the form's attachment field (an empty input sends one)."""
    return [f for f in (form.attachments.data or []) if getattr(f, "filename", "")]


def _new_ticket_form(client_id: int) -> NewTicketForm:
    form = NewTicketForm()
    form.device_id.choices = [(NO_DEVICE, _("Aucun en particulier")), *device_choices(client_id)]
    form.contract_id.choices = [
        (NO_CONTRACT, _("Aucun en particulier")),
        *((contract.id, contract.title) for contract in running_contracts_of(client_id)),
    ]
    if not form.is_submitted():
        form.idempotency_key.data = new_idempotency_key()
        device = request.args.get("device", type=record_id)
        if device in {choice[0] for choice in form.device_id.choices}:
            form.device_id.data = device
        subject = request.args.get("subject")
        if subject in SUBJECTS:
            form.subject.data = subject
        contract = request.args.get("contract", type=record_id)
        if contract in {choice[0] for choice in form.contract_id.choices}:
            form.contract_id.data = contract
            form.non_renewal.data = request.args.get("non_renewal") == "1"
            if form.non_renewal.data:
                form.title.data = _("Non-reconduction de mon contrat")
    return form


@bp.route("/tickets/new", methods=["GET", "POST"])
@client_required
def new_ticket():
    """The incident form: "Sujet", title, device, priority, description and attachments.

    A personal-data subject (deletion of the client space, or another right) also opens a
    data-rights request with its legal deadline. Sending the same form twice makes one ticket.
    """
    client = current_user.client
    form = _new_ticket_form(client.id)
    if not form.validate_on_submit():
        return render_form("tickets/new.html", form, title=_("Nouveau ticket"))
    if form.non_renewal.data:
        problem = non_renewal_problem(db.session.get(Contract, form.contract_id.data))
        if problem:
            form.non_renewal.errors = [*form.non_renewal.errors, problem]
            return render_form("tickets/new.html", form, title=_("Nouveau ticket"))
    files = _sent_files(form)
    refused = attachment_problems(files, client.id)
    if refused:
        form.attachments.errors = [*form.attachments.errors, *refused]
        return render_form("tickets/new.html", form, title=_("Nouveau ticket"))

    existing = ticket_for_key(client.id, form.idempotency_key.data)
    if existing is not None:
        return htmx_redirect(url_for("tickets.account_ticket", ticket_id=existing.id))
    try:
        ticket, data_rights_request = _open_from_form(client, form, files)
        db.session.commit()
    except IntegrityError:
        # The same form sent twice at once: the other request made the ticket.
        db.session.rollback()
        existing = ticket_for_key(client.id, form.idempotency_key.data)
        if existing is None:
            raise
        return htmx_redirect(url_for("tickets.account_ticket", ticket_id=existing.id))
    if data_rights_request is not None:
        flash(
            _(
                "Votre demande n° %(number)s est enregistrée. Nous vous répondrons au plus tard "
                "le %(deadline)s.",
                number=ticket.id,
                deadline=_long_date(data_rights_request.deadline),
            ),
            "success",
        )
    else:
        flash(_("Votre ticket n° %(number)s est envoyé.", number=ticket.id), "success")
    return htmx_redirect(url_for("tickets.account_ticket", ticket_id=ticket.id))


def _long_date(value) -> str:
    return format_when(value, "detail")


def _open_from_form(client, form: NewTicketForm, files: list):
    """The ticket (and its data-rights request, if any) from a valid form; the caller commits."""
    subject = form.subject.data
    device_id = form.device_id.data if form.device_id.data != NO_DEVICE else None
    ticket = open_ticket(
        client,
        subject=subject,
        title=form.title.data.strip(),
        body=sanitize_html(form.body.data),
        author=current_user,
        priority=form.priority.data,
        device_id=device_id,
        idempotency_key=form.idempotency_key.data or None,
    )
    store_attachments(ticket, ticket.messages[0], files, uploaded_by=current_user)
    log_activity("ticket.opened", target=ticket, detail={"subject": subject})
    if form.non_renewal.data:
        record_non_renewal(
            db.session.get(Contract, form.contract_id.data), ticket_id=ticket.id, actor=current_user
        )
    data_rights_request = None
    if subject in (SUBJECT_ERASURE, SUBJECT_PERSONAL_DATA):
        kind = KIND_ERASURE if subject == SUBJECT_ERASURE else form.data_rights_kind.data
        data_rights_request = open_request(client.id, kind, ticket_id=ticket.id)
        log_activity(
            "data_rights.request_received",
            target=data_rights_request,
            detail={"kind": kind, "ticket": ticket.id},
        )
        if kind == KIND_ERASURE and data_rights_request.confirmation_sent_at is None:
            send_erasure_confirmation(data_rights_request)
    tell_client_ticket_received(ticket, data_rights_request)
    tell_staff_new_ticket(ticket, data_rights_request)
    return ticket, data_rights_request


# ---------------------------------------------------------------- one ticket, both sides


def _conversation(ticket: Ticket, side: Side) -> list[TicketMessage]:
    query = visible_messages(ticket, by_staff=side.by_admin).options(
        joinedload(TicketMessage.author), selectinload(TicketMessage.attachments)
    )
    return list(db.session.scalars(query).unique())


def _staff_names(messages) -> dict[int, str]:
    """Display names of the admins named by assignment events, in one query."""
    ids = {
        int(m.body.partition(":")[2])
        for m in messages
        if m.is_event and m.body.startswith("assigned:") and m.body.partition(":")[2]
    }
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(User.id, User.display_name, User.email).where(User.id.in_(ids))
    )
    return {row.id: row.display_name or row.email for row in rows}


def _admin_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        sa.select(User.id, User.email, User.display_name)
        .where(User.role == ROLE_ADMIN, User.is_enabled.is_(True))
        .order_by(sa.func.coalesce(User.display_name, User.email))
    )
    return [(NOBODY, _("Personne"))] + [(r.id, r.display_name or r.email) for r in rows]


def _reply_form(side: Side, *, fresh: bool = False):
    """The reply form: as sent, or (``fresh``, or first shown) empty with a new key."""
    form_class = AdminReplyForm if side.by_admin else ReplyForm
    form = form_class(formdata=None) if fresh else form_class()
    if fresh or not form.is_submitted():
        form.idempotency_key.data = new_idempotency_key()
    return form


def _page_context(ticket: Ticket, side: Side, reply_form=None) -> dict:
    messages = _conversation(ticket, side)
    context = {
        "ticket": ticket,
        "side": side,
        "by_admin": side.by_admin,
        "messages": messages,
        "staff_names": _staff_names(messages),
        "reply_form": reply_form or _reply_form(side),
        "reply_problem": reply_problem(ticket, by_staff=side.by_admin),
        "data_rights_request": request_of_ticket(ticket.id),
    }
    if side.by_admin:
        status_form = StatusForm(formdata=None, status=ticket.status)
        assignee_form = AssigneeForm(formdata=None, assignee_id=ticket.assignee_id or NOBODY)
        assignee_form.assignee_id.choices = _admin_choices()
        context.update(
            status_form=status_form,
            assignee_form=assignee_form,
            link_form=link_form_for(ticket),
            saved_replies=saved_replies(),
        )
    return context


@twin_routes(client="/tickets/<int:ticket_id>", admin="/admin/tickets/<int:ticket_id>")
def ticket(side: Side, ticket_id: int):
    """A ticket: its details, the conversation (internal notes for admins only), the reply."""
    ticket = side.ticket_or_404(ticket_id)
    if mark_seen(ticket, by_staff=side.by_admin):
        db.session.commit()
    return render_template(
        "tickets/admin_ticket.html" if side.by_admin else "tickets/account_ticket.html",
        **_page_context(ticket, side),
    )


@twin_routes(
    client="/tickets/<int:ticket_id>/reply",
    admin="/admin/tickets/<int:ticket_id>/reply",
    methods=["POST"],
)
def reply(side: Side, ticket_id: int):
    """Add a message (an admin: or an internal note) to the conversation.

    For htmx, answers the conversation with a fresh form (or the form and its errors, 422);
    otherwise redirects to the ticket. Sending the same form twice adds one message.
    """
    ticket = side.ticket_or_404(ticket_id)
    form = _reply_form(side)
    files = _sent_files(form)
    valid = form.validate_on_submit()
    problem = reply_problem(ticket, by_staff=side.by_admin)
    if problem:
        form.form_errors.append(problem)
        valid = False
    if valid:
        refused = attachment_problems(files, ticket.client_id)
        if refused:
            form.attachments.errors = [*form.attachments.errors, *refused]
            valid = False
    if not valid:
        return _conversation_answer(ticket, side, form, 422)

    if message_for_key(ticket.id, form.idempotency_key.data) is None:
        try:
            _add_reply(ticket, side, form, files)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # the same form sent twice at once: the other one added it
            if message_for_key(ticket.id, form.idempotency_key.data) is None:
                raise
        ticket = side.ticket_or_404(ticket_id)
    if is_fragment_request():
        return _conversation_answer(ticket, side, _reply_form(side, fresh=True), 200)
    flash(_("Message envoyé."), "success")
    return htmx_redirect(side.url("ticket", ticket))


def _add_reply(ticket: Ticket, side: Side, form, files: list) -> None:
    internal = side.by_admin and form.internal.data
    message = add_message(
        ticket,
        author=current_user,
        body=sanitize_html(form.body.data),
        from_staff=side.by_admin,
        kind=KIND_NOTE if internal else KIND_MESSAGE,
        idempotency_key=form.idempotency_key.data or None,
    )
    store_attachments(ticket, message, files, uploaded_by=current_user)
    log_activity(
        "ticket.note_added" if internal else "ticket.replied",
        target=ticket,
        detail={"client": ticket.client_id} if side.by_admin else None,
    )
    if not side.by_admin:
        tell_staff_client_wrote(ticket)
        return
    if internal:
        return
    after = form.status_after.data
    if after != KEEP_STATUS and not status_problem(ticket, after, by_staff=True):
        change_status(ticket, after, actor=current_user, by_staff=True)
    tell_client_answered(ticket)


def _conversation_answer(ticket: Ticket, side: Side, form, status: int):
    """The conversation and the reply form, as the page or as its htmx fragment."""
    context = _page_context(ticket, side, reply_form=form)
    template = "tickets/admin_ticket.html" if side.by_admin else "tickets/account_ticket.html"
    return render_page_or_fragment(template, "tickets/_conversation.html", status, **context)


# ---------------------------------------------------------------- statuses


@bp.post("/tickets/<int:ticket_id>/close")
@client_required
def close_ticket(ticket_id: int):
    """The client closes their ticket (no answer needed any more)."""
    return _client_status(ticket_id, STATUS_CLOSED, _("Ticket fermé."))


@bp.post("/tickets/<int:ticket_id>/reopen")
@client_required
def reopen_ticket(ticket_id: int):
    """The client reopens a resolved or closed ticket: the problem is back."""
    return _client_status(ticket_id, STATUS_IN_PROGRESS, _("Ticket rouvert."))


def _client_status(ticket_id: int, new_status: str, done: str):
    ticket = Side(by_admin=False).ticket_or_404(ticket_id)
    require_one_button_form()
    problem = status_problem(ticket, new_status, by_staff=False)
    if problem:
        flash(problem, "error")
        return htmx_redirect(url_for("tickets.account_ticket", ticket_id=ticket.id))
    change_status(ticket, new_status, actor=current_user, by_staff=False)
    log_activity("ticket.status_changed", target=ticket, detail={"status": new_status})
    if new_status == STATUS_IN_PROGRESS:
        tell_staff_client_wrote(ticket)
    db.session.commit()
    flash(done, "success")
    return htmx_redirect(url_for("tickets.account_ticket", ticket_id=ticket.id))


@bp.post("/admin/tickets/<int:ticket_id>/status")
@admin_required
def admin_ticket_status(ticket_id: int):
    """An admin gives the ticket a status (written in the conversation)."""
    side = Side(by_admin=True)
    ticket = side.ticket_or_404(ticket_id)
    form = StatusForm()
    valid = form.validate_on_submit()
    if valid:
        problem = status_problem(ticket, form.status.data, by_staff=True)
        if problem:
            form.status.errors = [problem]
            valid = False
    if not valid:
        context = _page_context(ticket, side)
        context["status_form"] = form
        return render_form("tickets/admin_ticket.html", form, **context)
    change_status(ticket, form.status.data, actor=current_user, by_staff=True)
    log_activity(
        "ticket.status_changed",
        target=ticket,
        detail={"client": ticket.client_id, "status": form.status.data},
    )
    db.session.commit()
    flash(_("Statut enregistré : %(status)s.", status=ticket.status_label), "success")
    return htmx_redirect(side.url("ticket", ticket))


@bp.post("/admin/tickets/<int:ticket_id>/assignee")
@admin_required
def admin_ticket_assignee(ticket_id: int):
    """An admin gives the ticket to an admin, or to nobody."""
    side = Side(by_admin=True)
    ticket = side.ticket_or_404(ticket_id)
    form = AssigneeForm()
    form.assignee_id.choices = _admin_choices()
    if not form.validate_on_submit():
        context = _page_context(ticket, side)
        context["assignee_form"] = form
        return render_form("tickets/admin_ticket.html", form, **context)
    assignee = db.session.get(User, form.assignee_id.data) if form.assignee_id.data else None
    if assign(ticket, assignee, actor=current_user) is not None:
        log_activity(
            "ticket.assigned",
            target=ticket,
            detail={"client": ticket.client_id, "assignee": form.assignee_id.data or None},
        )
        db.session.commit()
    flash(_("Responsable enregistré."), "success")
    return htmx_redirect(side.url("ticket", ticket))
