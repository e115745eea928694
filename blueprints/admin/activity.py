"""The activity log viewer: filters, keyset pagination, CSV export. Reading the log is logged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Response, current_app, request, stream_with_context, url_for

from blueprints.admin import bp
from blueprints.admin.forms import ActivityFilterForm
from models import MAX_ID, db
from models.activity import ActivityLog
from models.user import User
from services import accounts
from services.activity import log_activity
from services.activity_seal import MAX_SEAL_LAG, seal_lag
from services.i18n import lazy_gettext as _l
from services.spreadsheet import BOM, csv_line
from web.access import admin_required
from web.htmx import render_page_or_fragment

EXPORT_BATCH = 500
CSV_COLUMNS = (
    "id",
    "date (Europe/Paris)",
    "actor_id",
    "actor_email",
    "actor_role",
    "action",
    "target_type",
    "target_id",
    "outcome",
    "ip",
    "user_agent",
    "detail",
    "seal",
)


def seal_panel(**_context) -> dict | None:
    """Admin home: a warning when the log's seal is more than an hour behind its newest entry."""
    lag = seal_lag()
    if lag is None or lag <= MAX_SEAL_LAG:
        return None
    return {"hours": int(lag.total_seconds() // 3600)}


@dataclass
class ActivityFilter:
    """What the viewer and the export keep: the person's account ids, the other fields as is."""

    person: str = ""
    action: str = ""
    target_type: str = ""
    target_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    @classmethod
    def from_form(cls, form: ActivityFilterForm) -> ActivityFilter:
        return cls(
            person=(form.person.data or "").strip(),
            action=form.action.data or "",
            target_type=form.target_type.data or "",
            target_id=form.target_id.data,
            date_from=form.date_from.data,
            date_to=form.date_to.data,
        )

    def as_args(self) -> dict:
        """The filter as query-string arguments (empty ones left out)."""
        args = {
            "person": self.person,
            "action": self.action,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
        }
        return {k: v for k, v in args.items() if v not in (None, "")}


def paris_midnight_utc(day: date) -> datetime:
    """The UTC instant (naive) at which ``day`` starts in the company's time zone."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    local = datetime.combine(day, time.min, tzinfo=zone)
    return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def person_ids(person: str) -> list[int]:
    """Account ids meant by ``person``: an id as typed, or the account of an e-mail address."""
    if person.isascii() and person.isdigit():  # "²" is a digit too, but not a number
        return [int(person)] if int(person) <= MAX_ID else []
    account = accounts.find_account(person)
    return [account.id] if account is not None else []


def filtered_query(filters: ActivityFilter):
    """Entries matching ``filters``, newest first, with the e-mail of their actor."""
    query = sa.select(ActivityLog, User.email).outerjoin(User, User.id == ActivityLog.actor_id)
    if filters.person:
        ids = person_ids(filters.person)
        # A person is found as the one who acted or as the account acted upon.
        query = query.where(
            sa.or_(
                ActivityLog.actor_id.in_(ids),
                sa.and_(
                    ActivityLog.target_type == User.__tablename__, ActivityLog.target_id.in_(ids)
                ),
            )
        )
    if filters.action:
        query = query.where(ActivityLog.action == filters.action)
    if filters.target_type:
        query = query.where(ActivityLog.target_type == filters.target_type)
    if filters.target_id is not None:
        query = query.where(ActivityLog.target_id == filters.target_id)
    if filters.date_from:
        query = query.where(ActivityLog.created_at >= paris_midnight_utc(filters.date_from))
    if filters.date_to:
        end = paris_midnight_utc(filters.date_to + timedelta(days=1))
        query = query.where(ActivityLog.created_at < end)
    return query.order_by(ActivityLog.id.desc())


def page_of(filters: ActivityFilter, before: int | None, size: int):
    """One page (keyset on id, descending) and the id to continue from, if there is more."""
    query = filtered_query(filters)
    if before:
        query = query.where(ActivityLog.id < before)
    rows = db.session.execute(query.limit(size + 1)).all()
    next_before = rows[size - 1][0].id if len(rows) > size else None
    return rows[:size], next_before


def distinct_values(column) -> list[str]:
    return list(db.session.scalars(sa.select(column).where(column.is_not(None)).distinct()))


def filter_form() -> ActivityFilterForm:
    form = ActivityFilterForm(request.args)
    everything = [("", _l("Toutes"))]
    form.action.choices = everything + [(a, a) for a in sorted(distinct_values(ActivityLog.action))]
    form.target_type.choices = everything + [
        (t, t) for t in sorted(distinct_values(ActivityLog.target_type))
    ]
    return form


@bp.get("/activity")
@admin_required
def activity():
    """The activity log, filtered and paginated; the table alone for htmx. Reading is logged."""
    form = filter_form()
    valid = form.validate()
    filters = ActivityFilter.from_form(form) if valid else ActivityFilter()
    rows, next_before = [], None
    if valid:
        size = current_app.config["PAGE_SIZE"]
        rows, next_before = page_of(filters, form.before.data, size)
        log_activity("activity.viewed", detail=filters.as_args() or None)
        db.session.commit()
    context = {
        "form": form,
        "rows": rows,
        "filters": filters,
        "next_url": url_for("admin.activity", before=next_before, **filters.as_args())
        if next_before
        else None,
        "export_url": url_for("admin.activity_export", **filters.as_args()),
    }
    return render_page_or_fragment(
        "admin/activity.html", "admin/_activity_table.html", 200 if valid else 422, **context
    )


def paris_time(value: datetime) -> str:
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return value.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def export_lines(filters: ActivityFilter):
    """The CSV of the filtered entries, line by line, read in batches (keyset on id)."""
    yield BOM + csv_line(CSV_COLUMNS)
    before = None
    while True:
        rows, before = page_of(filters, before, EXPORT_BATCH)
        for entry, email in rows:
            yield csv_line(
                [
                    entry.id,
                    paris_time(entry.created_at),
                    entry.actor_id,
                    email,
                    entry.actor_role,
                    entry.action,
                    entry.target_type,
                    entry.target_id,
                    entry.outcome,
                    entry.ip,
                    entry.user_agent,
                    entry.detail,
                    entry.seal,
                ]
            )
        db.session.expunge_all()  # keep memory flat on long exports
        if before is None:
            return


@bp.get("/activity/export.csv")
@admin_required
def activity_export():
    """The filtered activity log as CSV (streamed); the export itself is logged."""
    form = filter_form()
    if not form.validate():
        return activity()
    filters = ActivityFilter.from_form(form)
    log_activity("activity.exported", detail=filters.as_args() or None)
    db.session.commit()
    filename = f"journal-activite-{date.today().isoformat()}.csv"
    return Response(
        stream_with_context(export_lines(filters)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
