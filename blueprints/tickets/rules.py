"""Rules of support tickets: opening one, the conversation, statuses, who sees what.

Flask-free: the routes pass the people and the values; the caller commits. An event (status
change, assignment, link to an intervention) is a message of kind ``event`` whose body is a
small code, put into words by :func:`event_text` in the reader's language.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from models import db, utcnow
from models.intervention import STATUS_PLANNED, Intervention, InterventionEvent
from models.ticket import (
    KIND_EVENT,
    KIND_MESSAGE,
    KIND_NOTE,
    OPEN_STATUSES,
    PRIORITIES,
    STATUS_CLOSED,
    STATUS_IN_PROGRESS,
    STATUS_NEW,
    STATUS_RESOLVED,
    STATUS_WAITING_CLIENT,
    STATUSES,
    SUBJECTS,
    Ticket,
    TicketAttachment,
    TicketMessage,
)
from services.i18n import gettext as _

# What a client may do to the status of their own ticket.
CLIENT_TRANSITIONS = {
    STATUS_NEW: (STATUS_CLOSED,),
    STATUS_IN_PROGRESS: (STATUS_CLOSED,),
    STATUS_WAITING_CLIENT: (STATUS_CLOSED,),
    STATUS_RESOLVED: (STATUS_CLOSED, STATUS_IN_PROGRESS),
    STATUS_CLOSED: (STATUS_IN_PROGRESS,),
}

PARIS = ZoneInfo("Europe/Paris")

EVENT_STATUS = "status"
EVENT_ASSIGNED = "assigned"
EVENT_INTERVENTION = "intervention"


# --- Opening -------------------------------------------------------------------------------


def ticket_for_key(client_id: int, idempotency_key: str | None) -> Ticket | None:
    """The client's ticket already made from the form carrying ``idempotency_key``, if any."""
    if not idempotency_key:
        return None
    return db.session.scalar(
        sa.select(Ticket).where(
            Ticket.client_id == client_id, Ticket.idempotency_key == idempotency_key
        )
    )


def open_ticket(
    client,
    *,
    subject: str,
    title: str,
    body: str,
    author,
    priority: str = "normal",
    device_id: int | None = None,
    idempotency_key: str | None = None,
    by_staff: bool = False,
) -> Ticket:
    """A new ticket of ``client`` with its first message (``body``, already cleaned).

    The caller commits. ``by_staff``: an admin opens it on the client's behalf.
    """
    if subject not in SUBJECTS:
        raise ValueError(f"unknown ticket subject {subject!r}")
    if priority not in PRIORITIES:
        raise ValueError(f"unknown ticket priority {priority!r}")
    now = utcnow()
    ticket = Ticket(
        client_id=client.id,
        subject=subject,
        title=title,
        priority=priority,
        device_id=device_id,
        created_by_id=getattr(author, "id", None),
        created_at=now,
        last_message_at=now,
    )
    if idempotency_key:
        ticket.idempotency_key = idempotency_key
    db.session.add(ticket)
    db.session.flush()
    add_message(ticket, author=author, body=body, from_staff=by_staff, at=now)
    return ticket


# --- The conversation ----------------------------------------------------------------------


def add_message(
    ticket: Ticket,
    *,
    author,
    body: str,
    from_staff: bool,
    kind: str = KIND_MESSAGE,
    idempotency_key: str | None = None,
    at=None,
) -> TicketMessage:
    """Add a message, an internal note or an event to ``ticket``; the caller commits.

    A message moves the ticket's "last message" marks that both lists sort and flag by, and
    counts as read by its author's side. A client's message on a ticket that waited for them
    or was resolved puts it back in progress; a note or an event changes no mark but the
    ticket's order.
    """
    now = at or utcnow()
    message = TicketMessage(
        ticket_id=ticket.id,
        kind=kind,
        author_id=getattr(author, "id", None),
        from_staff=from_staff,
        body=body,
        idempotency_key=idempotency_key,
        created_at=now,
    )
    db.session.add(message)
    if kind == KIND_MESSAGE:
        ticket.last_message_at = now
        if from_staff:
            ticket.last_staff_message_at = now
            ticket.staff_seen_at = now
        else:
            ticket.last_client_message_at = now
            ticket.client_seen_at = now
            if ticket.status in (STATUS_WAITING_CLIENT, STATUS_RESOLVED):
                _set_status(ticket, STATUS_IN_PROGRESS, author=author, from_staff=False, at=now)
    db.session.flush()
    return message


def message_for_key(ticket_id: int, idempotency_key: str | None) -> TicketMessage | None:
    """The message of ``ticket_id`` already made from the form carrying ``idempotency_key``."""
    if not idempotency_key:
        return None
    return db.session.scalar(
        sa.select(TicketMessage).where(
            TicketMessage.ticket_id == ticket_id,
            TicketMessage.idempotency_key == idempotency_key,
        )
    )


def reply_problem(ticket: Ticket, *, by_staff: bool) -> str | None:
    """Why no reply may be added to ``ticket`` now, or None."""
    if not by_staff and ticket.status == STATUS_CLOSED:
        return _("Ce ticket est fermé : rouvrez-le pour y répondre.")
    return None


def visible_messages(ticket: Ticket, *, by_staff: bool) -> sa.Select:
    """The conversation in order; internal notes only for staff."""
    query = sa.select(TicketMessage).where(TicketMessage.ticket_id == ticket.id)
    if not by_staff:
        query = query.where(TicketMessage.kind != KIND_NOTE)
    return query.order_by(TicketMessage.id)


def mark_seen(ticket: Ticket, *, by_staff: bool) -> bool:
    """``ticket`` was opened by its client or by an admin: nothing in it is unread for them.

    Changed only when something was unread (then True: the caller commits); opening a read
    ticket again writes nothing."""
    if by_staff:
        if not ticket.unread_by_staff:
            return False
        ticket.staff_seen_at = utcnow()
    else:
        if not ticket.unread_by_client:
            return False
        ticket.client_seen_at = utcnow()
    return True


# --- Statuses ------------------------------------------------------------------------------


def status_problem(ticket: Ticket, new_status: str, *, by_staff: bool) -> str | None:
    """Why ``ticket`` may not move to ``new_status``, or None."""
    if new_status not in STATUSES:
        return _("Ce statut n'existe pas.")
    if new_status == ticket.status:
        return _("Le ticket a déjà ce statut.")
    if not by_staff and new_status not in CLIENT_TRANSITIONS.get(ticket.status, ()):
        return _("Vous ne pouvez pas donner ce statut au ticket.")
    return None


def change_status(ticket: Ticket, new_status: str, *, actor, by_staff: bool) -> TicketMessage:
    """Move ``ticket`` to ``new_status`` (checked with :func:`status_problem` first).

    Written in the conversation as an event; the caller commits.
    """
    problem = status_problem(ticket, new_status, by_staff=by_staff)
    if problem:
        raise ValueError(problem)
    return _set_status(ticket, new_status, author=actor, from_staff=by_staff)


def _set_status(ticket: Ticket, new_status: str, *, author, from_staff: bool, at=None):
    now = at or utcnow()
    old = ticket.status
    ticket.status = new_status
    ticket.closed_at = now if new_status in (STATUS_RESOLVED, STATUS_CLOSED) else None
    return add_message(
        ticket,
        author=author,
        body=f"{EVENT_STATUS}:{old}:{new_status}",
        from_staff=from_staff,
        kind=KIND_EVENT,
        at=now,
    )


def assign(ticket: Ticket, assignee, *, actor) -> TicketMessage | None:
    """Give ``ticket`` to ``assignee`` (an admin, or None for nobody); an event, unless unchanged."""
    assignee_id = getattr(assignee, "id", None)
    if ticket.assignee_id == assignee_id:
        return None
    ticket.assignee_id = assignee_id
    return add_message(
        ticket,
        author=actor,
        body=f"{EVENT_ASSIGNED}:{assignee_id or ''}",
        from_staff=True,
        kind=KIND_EVENT,
    )


def link_intervention(ticket: Ticket, intervention, *, actor) -> TicketMessage | None:
    """Tie ``ticket`` to ``intervention`` (of the same client); an event, unless unchanged."""
    if intervention.client_id != ticket.client_id:
        raise ValueError("the intervention belongs to another client")
    if ticket.intervention_id == intervention.id:
        return None
    ticket.intervention_id = intervention.id
    return add_message(
        ticket,
        author=actor,
        body=f"{EVENT_INTERVENTION}:{intervention.id}",
        from_staff=True,
        kind=KIND_EVENT,
    )


def intervention_from_ticket(ticket: Ticket, *, actor):
    """A planned intervention for the ticket's client, from the ticket, linked to it.

    Planned for the next day at 9:00 (Paris time) with the ticket's device and the admin as
    technician: the admin then sets the real date on the intervention's form. The caller
    commits.
    """
    tomorrow = datetime.now(PARIS).date() + timedelta(days=1)
    starts_at = datetime.combine(tomorrow, time(9, 0), PARIS).astimezone(UTC).replace(tzinfo=None)
    intervention = Intervention(
        client_id=ticket.client_id,
        starts_at=starts_at,
        kind="on_site" if ticket.subject == "on_site" else "remote",
        description=_("Ticket n° %(number)s : %(title)s", number=ticket.id, title=ticket.title),
        technician_id=getattr(actor, "id", None),
        status=STATUS_PLANNED,
    )
    if ticket.device is not None:
        intervention.devices = [ticket.device]
    intervention.events = [
        InterventionEvent(
            from_status=None, to_status=STATUS_PLANNED, actor_id=intervention.technician_id
        )
    ]
    db.session.add(intervention)
    db.session.flush()
    link_intervention(ticket, intervention, actor=actor)
    return intervention


def tickets_of_intervention(intervention_id: int) -> list[Ticket]:
    """The tickets tied to an intervention, oldest first."""
    return list(
        db.session.scalars(
            sa.select(Ticket).where(Ticket.intervention_id == intervention_id).order_by(Ticket.id)
        )
    )


def event_text(message: TicketMessage, names: dict[int, str] | None = None) -> str:
    """An event of the conversation in words, in the reader's language.

    ``names``: display names of staff by id, for assignments.
    """
    kind, _sep, rest = message.body.partition(":")
    if kind == EVENT_STATUS:
        old, _sep, new = rest.partition(":")
        return _(
            "Statut : %(old)s → %(new)s",
            old=STATUSES.get(old, old),
            new=STATUSES.get(new, new),
        )
    if kind == EVENT_ASSIGNED:
        if not rest:
            return _("Ticket remis sans responsable")
        name = (names or {}).get(int(rest)) or _("un technicien")
        return _("Ticket confié à %(name)s", name=name)
    if kind == EVENT_INTERVENTION:
        return _("Intervention n° %(number)s liée à ce ticket", number=rest)
    return message.body


def format_waiting(delta: timedelta) -> str:
    """How long a client has been waiting, short: "3 j 4 h", "2 h 10 min", "5 min"."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _("%(days)d j %(hours)d h", days=days, hours=hours)
    if hours:
        return _("%(hours)d h %(minutes)d min", hours=hours, minutes=minutes)
    return _("%(minutes)d min", minutes=minutes)


# --- Lists ---------------------------------------------------------------------------------


def client_tickets_query(client_id: int, *, open_only: bool | None = None) -> sa.Select:
    """A client's tickets, the most recently active first (keyset on last_message_at, id)."""
    query = sa.select(Ticket).where(Ticket.client_id == client_id)
    if open_only is True:
        # The oldest open ticket bounds the walk down the client's tickets (the databases walk
        # them newest first rather than sort): it stops there, not at the end of the history.
        oldest_open = (
            sa.select(sa.func.min(Ticket.last_message_at))
            .where(Ticket.client_id == client_id, Ticket.status.in_(OPEN_STATUSES))
            .scalar_subquery()
        )
        query = query.where(Ticket.status.in_(OPEN_STATUSES), Ticket.last_message_at >= oldest_open)
    elif open_only is False:
        query = query.where(Ticket.status.not_in(OPEN_STATUSES))
    return query.order_by(Ticket.last_message_at.desc(), Ticket.id.desc())


def ticket_of_client(client_id: int, ticket_id: int) -> Ticket | None:
    """Ticket ``ticket_id`` if it belongs to ``client_id``, else None (the route answers 404)."""
    return db.session.scalar(
        sa.select(Ticket).where(Ticket.id == ticket_id, Ticket.client_id == client_id)
    )


# An answer from staff that the client has not read since.
UNREAD_BY_CLIENT = sa.and_(
    Ticket.last_staff_message_at.is_not(None),
    sa.or_(
        Ticket.client_seen_at.is_(None),
        Ticket.last_staff_message_at > Ticket.client_seen_at,
    ),
)


# Built once: the dashboard runs it on every visit (building a statement costs more than
# running this one).
_CLIENT_COUNTS = sa.select(
    sa.func.count(sa.case((Ticket.status.in_(OPEN_STATUSES), 1))),
    sa.func.count(sa.case((UNREAD_BY_CLIENT, 1))),
).where(Ticket.client_id == sa.bindparam("client_id"))


def client_ticket_counts(client_id: int) -> tuple[int, int]:
    """How many of the client's tickets are open, and how many hold an unread answer (one query)."""
    row = db.session.execute(_CLIENT_COUNTS, {"client_id": client_id}).one()
    return row[0], row[1]


NOTE = KIND_NOTE  # for the routes: the kind of an internal note


def open_tickets_check(client_id: int) -> tuple[str, int]:
    """For the erasure checklist: the client's tickets still open."""
    count = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Ticket)
        .where(Ticket.client_id == client_id, Ticket.status.in_(OPEN_STATUSES))
    )
    return _("Tickets encore ouverts"), count


def attachments_check(client_id: int) -> tuple[str, int]:
    """For the erasure checklist: the files of the client's tickets, to offer for download."""
    count = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(TicketAttachment)
        .where(TicketAttachment.client_id == client_id)
    )
    return _("Pièces jointes de tickets (à proposer au téléchargement)"), count


def attachment_files(client_id: int) -> list[str]:
    """For an erasure: the stored names of the client's attachments, removed once it is done
    (their rows go with the client's tickets)."""
    return list(
        db.session.scalars(
            sa.select(TicketAttachment.stored_name).where(TicketAttachment.client_id == client_id)
        )
    )
