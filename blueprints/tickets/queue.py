"""The admins' queue of tickets: filters read from the URL, sort orders, keyset pages.

Flask-free: the route parses the query string into :class:`QueueFilters` with
:func:`filters_from`, and :func:`queue_page` runs one query for the page (plus one for the
data-rights requests of the tickets shown), whatever the number of tickets.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from models import db
from models.client import Client
from models.data_rights import OPEN_STATUSES as OPEN_REQUEST_STATUSES
from models.data_rights import DataRightsRequest
from models.ticket import OPEN_STATUSES, PRIORITIES, STATUSES, SUBJECTS, Ticket
from models.user import User

STATE_OPEN = "open"
STATE_ALL = "all"
ASSIGNEE_ME = "me"
ASSIGNEE_NOBODY = "none"
SORT_ACTIVITY = "activity"  # most recently active first
SORT_WAITING = "waiting"  # the client waiting longest for an answer first
SORTS = (SORT_ACTIVITY, SORT_WAITING)
TEXT_MAX = 100


@dataclass(frozen=True)
class QueueFilters:
    state: str = STATE_OPEN  # "open", "all" or one status
    assignee: str = ""  # "", "me", "none" or an admin's id
    priority: str = ""
    subject: str = ""
    client: int | None = None
    q: str = ""
    unread: bool = False
    sort: str = SORT_ACTIVITY

    def as_args(self, **changes) -> dict:
        """The filters as URL parameters (defaults left out), with ``changes`` applied."""
        values = {**asdict(self), **changes}
        defaults = asdict(QueueFilters())
        return {k: v for k, v in values.items() if v not in (None, "", False) and v != defaults[k]}


def _record_id(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and 0 < int(text) < 2**63 else None


def filters_from(args) -> QueueFilters:
    """The filters a query string asks for; anything unreadable falls back to its default."""
    state = args.get("state", STATE_OPEN)
    if state not in (STATE_OPEN, STATE_ALL, *STATUSES):
        state = STATE_OPEN
    assignee = args.get("assignee", "")
    if assignee not in ("", ASSIGNEE_ME, ASSIGNEE_NOBODY) and _record_id(assignee) is None:
        assignee = ""
    priority = args.get("priority", "")
    subject = args.get("subject", "")
    sort = args.get("sort", SORT_ACTIVITY)
    text = " ".join(args.get("q", "").split())[:TEXT_MAX]
    return QueueFilters(
        state=state,
        assignee=assignee,
        priority=priority if priority in PRIORITIES else "",
        subject=subject if subject in SUBJECTS else "",
        client=_record_id(args.get("client", "")),
        q="".join(ch for ch in text if ch.isprintable()),
        unread=args.get("unread") == "1",
        sort=sort if sort in SORTS else SORT_ACTIVITY,
    )


def _filtered(filters: QueueFilters, admin_id: int) -> sa.Select:
    query = sa.select(Ticket)
    if filters.state == STATE_OPEN:
        query = query.where(Ticket.status.in_(OPEN_STATUSES))
    elif filters.state != STATE_ALL:
        query = query.where(Ticket.status == filters.state)
    if filters.assignee == ASSIGNEE_ME:
        query = query.where(Ticket.assignee_id == admin_id)
    elif filters.assignee == ASSIGNEE_NOBODY:
        query = query.where(Ticket.assignee_id.is_(None))
    elif filters.assignee:
        query = query.where(Ticket.assignee_id == int(filters.assignee))
    if filters.priority:
        query = query.where(Ticket.priority == filters.priority)
    if filters.subject:
        query = query.where(Ticket.subject == filters.subject)
    if filters.client is not None:
        query = query.where(Ticket.client_id == filters.client)
    if filters.q:
        query = query.where(Ticket.title.icontains(filters.q, autoescape=True))
    if filters.unread:
        query = query.where(
            Ticket.last_client_message_at.is_not(None),
            sa.or_(
                Ticket.staff_seen_at.is_(None),
                Ticket.last_client_message_at > Ticket.staff_seen_at,
            ),
        )
    return query


# A cursor: the sort key (a date and time to the microsecond, or "-" when none) and the id.
_CURSOR = re.compile(r"^(\d{20}|-)-(\d{1,18})$")
_NO_DATE = datetime(1970, 1, 1)


def _cursor_of(ticket: Ticket, sort: str) -> str:
    value = ticket.last_client_message_at if sort == SORT_WAITING else ticket.last_message_at
    return f"{value:%Y%m%d%H%M%S%f}-{ticket.id}" if value else f"--{ticket.id}"


def _parse_cursor(text: str | None):
    match = _CURSOR.match(text or "")
    if not match:
        return None
    try:
        at = None if match.group(1) == "-" else datetime.strptime(match.group(1), "%Y%m%d%H%M%S%f")
    except ValueError:
        return None
    return at, int(match.group(2))


def _ordered(query: sa.Select, sort: str, cursor) -> sa.Select:
    if sort == SORT_WAITING:
        # Oldest client message first; tickets without one (opened by staff) last.
        key = sa.func.coalesce(Ticket.last_client_message_at, datetime(9999, 12, 31))
        if cursor is not None:
            at = cursor[0] or datetime(9999, 12, 31)
            query = query.where(sa.or_(key > at, sa.and_(key == at, Ticket.id > cursor[1])))
        return query.order_by(key, Ticket.id)
    if cursor is not None:
        at = cursor[0] or _NO_DATE
        query = query.where(
            sa.or_(
                Ticket.last_message_at < at,
                sa.and_(Ticket.last_message_at == at, Ticket.id < cursor[1]),
            )
        )
    return query.order_by(Ticket.last_message_at.desc(), Ticket.id.desc())


# What a row shows of the client (its display name) and of the admin in charge, nothing more:
# the other columns (dates above all) would be read and converted for every row. A column left
# out is loaded when asked (never an error); the queue's query-count test catches a row that
# would ask one.
_ROW_COLUMNS = (
    joinedload(Ticket.client)
    .load_only(
        Client.category,
        Client.company_name,
        Client.first_name,
        Client.last_name,
        Client.user_id,
    )
    .joinedload(Client.user)
    .load_only(User.email),
    joinedload(Ticket.assignee).load_only(User.display_name, User.email),
)


def queue_page(filters: QueueFilters, admin_id: int, after: str | None, size: int):
    """A page of the queue and the cursor of the next one (None on the last page)."""
    query = _ordered(_filtered(filters, admin_id), filters.sort, _parse_cursor(after))
    query = query.options(*_ROW_COLUMNS).limit(size + 1)
    rows = db.session.scalars(query).unique().all()
    next_cursor = _cursor_of(rows[size - 1], filters.sort) if len(rows) > size else None
    return rows[:size], next_cursor


def open_requests_of(ticket_ids: list[int]) -> dict[int, DataRightsRequest]:
    """The open data-rights requests of these tickets, by ticket id (one query)."""
    if not ticket_ids:
        return {}
    rows = db.session.scalars(
        sa.select(DataRightsRequest).where(
            DataRightsRequest.ticket_id.in_(ticket_ids),
            DataRightsRequest.status.in_(OPEN_REQUEST_STATUSES),
        )
    )
    return {row.ticket_id: row for row in rows}


def days_left(deadline: date, today: date) -> int:
    """Days from ``today`` to a request's deadline (negative once it has passed)."""
    return (deadline - today).days
