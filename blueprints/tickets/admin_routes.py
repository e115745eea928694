"""The admins' side of tickets: the queue, bulk actions, saved replies, interventions.

Every view is for admins only (``admin_required``); a ticket's own page and its reply are
shared with the client side in ``routes.py``.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from blueprints.tickets import bp
from blueprints.tickets.forms import (
    BULK_ASSIGN_ME,
    BULK_ASSIGN_TO,
    BULK_UNASSIGN,
    BulkForm,
    LinkInterventionForm,
    SavedReplyForm,
)
from blueprints.tickets.queue import (
    ASSIGNEE_ME,
    ASSIGNEE_NOBODY,
    SORT_ACTIVITY,
    SORT_WAITING,
    STATE_ALL,
    STATE_OPEN,
    days_left,
    filters_from,
    open_requests_of,
    queue_page,
)
from blueprints.tickets.rules import (
    assign,
    change_status,
    intervention_from_ticket,
    link_intervention,
    status_problem,
)
from models import db, utcnow
from models.client import Client
from models.intervention import Intervention
from models.ticket import PRIORITIES, STATUSES, SUBJECTS, SavedReply, Ticket
from models.user import ROLE_ADMIN, User
from services.activity import log_activity
from services.dates import format_when
from services.i18n import gettext as _
from services.i18n import ngettext
from services.sanitize import sanitize_html, visible_text
from web.access import admin_required, log_admin_view
from web.forms import EmptyForm, record_id, render_form
from web.htmx import htmx_redirect, render_page_or_fragment

BULK_MAX = 200
SECTION = "tickets"  # the client's section named in the log of admin views (as in routes.py)


def _admins() -> list[tuple[int, str]]:
    rows = db.session.execute(
        sa.select(User.id, User.email, User.display_name)
        .where(User.role == ROLE_ADMIN, User.is_enabled.is_(True))
        .order_by(sa.func.coalesce(User.display_name, User.email))
    )
    return [(row.id, row.display_name or row.email) for row in rows]


# ---------------------------------------------------------------- the queue


@bp.get("/admin/tickets")
@admin_required
def admin_queue():
    """Every client's tickets, filtered and sorted from the URL, a page at a time.

    The filter form asks again with htmx and pushes its URL, so that a view can be bookmarked;
    the next page comes as a fragment of rows.
    """
    filters = filters_from(request.args)
    client = db.session.get(Client, filters.client) if filters.client is not None else None
    if client is not None:
        # Filtered on one client, the queue is a page about that client: every page and
        # fragment of it is a view of their data.
        log_admin_view(client.id, SECTION)
    admins = _admins()
    tickets, next_cursor = queue_page(
        filters, current_user.id, request.args.get("after"), current_app.config["PAGE_SIZE"]
    )
    requests = open_requests_of([t.id for t in tickets])
    today = utcnow().date()
    return render_page_or_fragment(
        "tickets/admin_queue.html",
        "tickets/_queue.html" if request.args.get("after") else "tickets/_queue_results.html",
        tickets=tickets,
        next_cursor=next_cursor,
        filters=filters,
        client=client,
        requests={tid: days_left(r.deadline, today) for tid, r in requests.items()},
        request_kinds={tid: r.kind_label for tid, r in requests.items()},
        admins=admins,
        statuses=STATUSES,
        priorities=PRIORITIES,
        subjects=SUBJECTS,
        state_open=STATE_OPEN,
        state_all=STATE_ALL,
        assignee_me=ASSIGNEE_ME,
        assignee_nobody=ASSIGNEE_NOBODY,
        sorts={SORT_ACTIVITY: _("Activité récente"), SORT_WAITING: _("Attente du client")},
        bulk_form=_bulk_form(admins, formdata=None),
        now=utcnow(),
    )


@bp.post("/admin/tickets/bulk")
@admin_required
def admin_bulk():
    """Apply one action (assign to me, unassign, a status) to the checked tickets."""
    form = _bulk_form(_admins())
    # Back to the queue as it was filtered: only the filters the queue reads, never the raw
    # query string (a key such as "endpoint" or "_method" would be taken by url_for).
    back = url_for("tickets.admin_queue", **filters_from(request.args).as_args())
    checked = list(dict.fromkeys(request.form.getlist("ticket_ids", type=record_id)))
    ids, left_out = checked[:BULK_MAX], len(checked) - BULK_MAX
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return htmx_redirect(back)
    if not ids:
        flash(_("Cochez au moins un ticket."), "error")
        return htmx_redirect(back)
    tickets = db.session.scalars(sa.select(Ticket).where(Ticket.id.in_(ids))).all()
    done, skipped = 0, 0
    for ticket in tickets:
        if _apply(form.action.data, ticket):
            log_activity(
                "ticket.bulk_changed",
                target=ticket,
                detail={"client": ticket.client_id, "action": form.action.data},
            )
            done += 1
        else:
            skipped += 1
    db.session.commit()
    flash(ngettext("%(num)d ticket modifié.", "%(num)d tickets modifiés.", done), "success")
    if skipped:
        flash(
            ngettext(
                "%(num)d ticket laissé tel quel (déjà dans cet état).",
                "%(num)d tickets laissés tels quels (déjà dans cet état).",
                skipped,
            ),
            "info",
        )
    if left_out > 0:
        flash(
            ngettext(
                "%(max)d tickets au plus par action : %(num)d ticket coché n'a pas été modifié.",
                "%(max)d tickets au plus par action : %(num)d tickets cochés n'ont pas été "
                "modifiés.",
                left_out,
                max=BULK_MAX,
            ),
            "info",
        )
    return htmx_redirect(back)


def _bulk_form(admins: list[tuple[int, str]], **kwargs) -> BulkForm:
    """The bulk form, whose actions also give the tickets to each other enabled admin."""
    form = BulkForm(**kwargs)
    form.action.choices = form.action.choices + [
        (f"{BULK_ASSIGN_TO}{admin_id}", _("Attribuer à %(name)s", name=name))
        for admin_id, name in admins
        if admin_id != current_user.id
    ]
    return form


def _apply(action: str, ticket: Ticket) -> bool:
    """Do ``action`` to ``ticket``; False when it changes nothing."""
    if action == BULK_ASSIGN_ME:
        return assign(ticket, current_user, actor=current_user) is not None
    if action == BULK_UNASSIGN:
        return assign(ticket, None, actor=current_user) is not None
    if action.startswith(BULK_ASSIGN_TO):
        # Offered only for enabled admins (the form's choices), so the id is one of theirs.
        admin = db.session.get(User, int(action.removeprefix(BULK_ASSIGN_TO)))
        return assign(ticket, admin, actor=current_user) is not None
    new_status = action.removeprefix("status:")
    if status_problem(ticket, new_status, by_staff=True):
        return False
    change_status(ticket, new_status, actor=current_user, by_staff=True)
    return True


# ---------------------------------------------------------------- interventions


@bp.post("/admin/tickets/<int:ticket_id>/intervention")
@admin_required
def admin_make_intervention(ticket_id: int):
    """Plan an intervention from the ticket (its client, device and title), linked both ways."""
    ticket = db.get_or_404(Ticket, ticket_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if ticket.intervention_id is not None:
        # A second click, or another admin first: the client would see a second visit planned.
        flash(
            _(
                "Ce ticket a déjà son intervention. Pour une autre visite, créez-la depuis la "
                "fiche du client puis liez-la au ticket."
            ),
            "info",
        )
        return htmx_redirect(
            url_for("interventions.admin_edit_intervention", intervention_id=ticket.intervention_id)
        )
    intervention = intervention_from_ticket(ticket, actor=current_user)
    log_activity(
        "intervention.created_from_ticket",
        target=intervention,
        detail={"client": ticket.client_id, "ticket": ticket.id},
    )
    db.session.commit()
    flash(_("Intervention créée depuis le ticket : précisez sa date et son contenu."), "success")
    return htmx_redirect(
        url_for("interventions.admin_edit_intervention", intervention_id=intervention.id)
    )


def _intervention_choices(client_id: int) -> list[tuple[int, str]]:
    rows = db.session.execute(
        sa.select(Intervention.id, Intervention.starts_at, Intervention.description)
        .where(Intervention.client_id == client_id)
        .order_by(Intervention.starts_at.desc(), Intervention.id.desc())
        .limit(50)
    )
    return [(r.id, f"{format_when(r.starts_at)} — {r.description[:60]}") for r in rows]


@bp.post("/admin/tickets/<int:ticket_id>/intervention/link")
@admin_required
def admin_link_intervention(ticket_id: int):
    """Tie the ticket to one of its client's interventions."""
    ticket = db.get_or_404(Ticket, ticket_id)
    form = LinkInterventionForm()
    form.intervention_id.choices = _intervention_choices(ticket.client_id)
    if not form.validate_on_submit():
        flash(_("Choisissez une intervention de ce client dans la liste."), "error")
        return htmx_redirect(url_for("tickets.admin_ticket", ticket_id=ticket.id))
    intervention = db.session.get(Intervention, form.intervention_id.data)
    if link_intervention(ticket, intervention, actor=current_user) is not None:
        log_activity(
            "ticket.intervention_linked",
            target=ticket,
            detail={"client": ticket.client_id, "intervention": intervention.id},
        )
        db.session.commit()
    flash(_("Intervention liée au ticket."), "success")
    return htmx_redirect(url_for("tickets.admin_ticket", ticket_id=ticket.id))


def link_form_for(ticket: Ticket) -> LinkInterventionForm:
    """The form that ties ``ticket`` to an intervention of its client (admin ticket page)."""
    form = LinkInterventionForm(formdata=None, intervention_id=ticket.intervention_id)
    form.intervention_id.choices = _intervention_choices(ticket.client_id)
    return form


# ---------------------------------------------------------------- saved replies


@bp.get("/admin/tickets/replies")
@admin_required
def admin_saved_replies():
    """The replies admins keep to insert into an answer."""
    replies = db.session.scalars(sa.select(SavedReply).order_by(SavedReply.title)).all()
    return render_template("tickets/saved_replies.html", replies=replies)


@bp.route("/admin/tickets/replies/new", methods=["GET", "POST"])
@admin_required
def admin_new_saved_reply():
    """Keep a new reply."""
    return _saved_reply_form(SavedReply(), _("Nouvelle réponse enregistrée"))


@bp.route("/admin/tickets/replies/<int:reply_id>/edit", methods=["GET", "POST"])
@admin_required
def admin_edit_saved_reply(reply_id: int):
    """Change a kept reply."""
    return _saved_reply_form(db.get_or_404(SavedReply, reply_id), _("Modifier la réponse"))


def _saved_reply_form(reply: SavedReply, title: str):
    form = SavedReplyForm(obj=reply)
    body = None
    if form.validate_on_submit():
        body = sanitize_html(form.body.data)
        if not visible_text(body):
            # Only markup that the cleaning removes or that shows nothing: no text to insert.
            form.body.errors.append(_("Écrivez le texte de la réponse."))
            body = None
    if body is None:
        return render_form(
            "tickets/saved_reply_form.html",
            form,
            title=title,
            cancel_url=url_for("tickets.admin_saved_replies"),
        )
    reply.title = form.title.data.strip()
    reply.body = body
    if reply.id is None:
        reply.created_by_id = current_user.id
        db.session.add(reply)
    db.session.flush()
    log_activity("ticket.saved_reply_saved", target=reply)
    db.session.commit()
    flash(_("Réponse « %(title)s » enregistrée.", title=reply.title), "success")
    return redirect(url_for("tickets.admin_saved_replies"), code=303)


@bp.post("/admin/tickets/replies/<int:reply_id>/delete")
@admin_required
def admin_delete_saved_reply(reply_id: int):
    """Delete a kept reply (asked for confirmation on the page)."""
    reply = db.get_or_404(SavedReply, reply_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    title = reply.title
    log_activity("ticket.saved_reply_deleted", target=reply)
    db.session.delete(reply)
    db.session.commit()
    flash(_("Réponse « %(title)s » supprimée.", title=title), "success")
    return htmx_redirect(url_for("tickets.admin_saved_replies"))


def saved_replies() -> list[SavedReply]:
    """Every kept reply, for the picker of an admin's answer."""
    return list(db.session.scalars(sa.select(SavedReply).order_by(SavedReply.title)))
