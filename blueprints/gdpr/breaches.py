"""The breach register at /admin/gdpr/breaches (GDPR arts. 33 and 34): admins record each
incident, follow the 72-hour deadline to notify the CNIL, and keep their decisions.

Rules (deadline, overdue, coherence of the dates) are the Flask-free functions at the top.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, flash, render_template, request, url_for
from flask_login import current_user

from blueprints.gdpr import bp
from blueprints.gdpr.forms import BreachForm
from models import db, utcnow
from models.breach import RISK_HIGH, RISK_NONE, Breach
from services.activity import log_activity
from services.dates import local_to_utc, utc_to_local
from services.i18n import gettext as _
from web.access import admin_required
from web.forms import record_id, render_form
from web.htmx import htmx_redirect

NOTIFY_WITHIN = timedelta(hours=72)  # GDPR art. 33.1
DATE_FIELDS = ("detected_at", "occurred_at", "cnil_notified_at", "persons_informed_at", "closed_at")


def notification_deadline(detected_at: datetime) -> datetime:
    """When the CNIL must have been notified: 72 hours after the breach was detected."""
    return detected_at + NOTIFY_WITHIN


def notification_overdue(breach: Breach, now: datetime) -> bool:
    """A breach that must be notified, is not, and is past its deadline."""
    return (
        breach.risk != RISK_NONE
        and breach.cnil_notified_at is None
        and now > notification_deadline(breach.detected_at)
    )


def breach_problem(values: dict, now: datetime) -> str | None:
    """Why these values cannot be recorded, or None (dates are naive UTC)."""
    detected = values["detected_at"]
    if detected > now:
        return _("La date de détection ne peut pas être dans le futur.")
    if values.get("occurred_at") and values["occurred_at"] > detected:
        return _("La violation ne peut pas avoir eu lieu après sa détection.")
    for name in ("cnil_notified_at", "persons_informed_at", "closed_at"):
        if values.get(name) and values[name] < detected:
            return _("Une notification ou une clôture ne peut pas précéder la détection.")
    reason = (values.get("reason_not_notified") or "").strip()
    if values["risk"] == RISK_NONE and not values.get("cnil_notified_at") and not reason:
        return _(
            "Sans notification à la CNIL, expliquez pourquoi le risque est peu probable "
            "(RGPD, article 33.1)."
        )
    if (
        values["risk"] == RISK_HIGH
        and values.get("closed_at")
        and not values.get("persons_informed_at")
        and not reason
    ):
        return _(
            "Un risque élevé impose d'informer les personnes concernées (RGPD, article 34) : "
            "indiquez quand, ou pourquoi ce n'est pas nécessaire."
        )
    return None


# ---------------------------------------------------------------- pages


def _values(form: BreachForm) -> dict:
    values = {name: field.data for name, field in form._fields.items() if name != "csrf_token"}
    for name in DATE_FIELDS:
        values[name] = local_to_utc(values.get(name))
    values["natures"] = ",".join(values.get("natures") or [])
    for name in ("persons_description", "consequences", "measures", "reason_not_notified"):
        values[name] = (values.get(name) or "").strip() or None
    return values


def _fill(form: BreachForm, breach: Breach) -> None:
    for name in DATE_FIELDS:
        getattr(form, name).data = utc_to_local(getattr(breach, name))
    form.natures.data = breach.nature_list


@bp.get("/admin/gdpr/breaches")
@admin_required
def admin_breaches():
    """The register: open incidents first (nearest deadline first), then closed ones."""
    page = request.args.get("page", type=record_id) or 0
    size = current_app.config["PAGE_SIZE"]
    rows = db.session.scalars(
        sa.select(Breach)
        .order_by(Breach.closed_at.is_not(None), Breach.detected_at.desc(), Breach.id.desc())
        .offset(page * size)
        .limit(size + 1)
    ).all()
    now = utcnow()
    return render_template(
        "gdpr/admin_breaches.html",
        breaches=rows[:size],
        more=len(rows) > size,
        page=page,
        now=now,
        deadline=notification_deadline,
        overdue=notification_overdue,
    )


@bp.route("/admin/gdpr/breaches/new", methods=["GET", "POST"])
@admin_required
def new_breach():
    """Record an incident as soon as it is detected."""
    form = BreachForm()
    if request.method == "GET":
        form.detected_at.data = utc_to_local(utcnow()).replace(second=0, microsecond=0)
    if form.validate_on_submit():
        values = _values(form)
        problem = breach_problem(values, utcnow())
        if problem:
            form.form_errors.append(problem)
        else:
            breach = Breach(**values, created_by_id=current_user.id)
            db.session.add(breach)
            db.session.flush()
            log_activity("breach.recorded", target=breach)
            db.session.commit()
            flash(_("Violation enregistrée dans le registre."), "success")
            return htmx_redirect(url_for("gdpr.admin_breach", breach_id=breach.id))
    return render_form("gdpr/breach_form.html", form, breach=None)


@bp.get("/admin/gdpr/breaches/<int:breach_id>")
@admin_required
def admin_breach(breach_id: int):
    """One incident, all its facts, its deadline and the decisions taken."""
    breach = db.get_or_404(Breach, breach_id)
    return render_template(
        "gdpr/admin_breach.html",
        breach=breach,
        now=utcnow(),
        deadline=notification_deadline(breach.detected_at),
        overdue=notification_overdue(breach, utcnow()),
    )


@bp.route("/admin/gdpr/breaches/<int:breach_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_breach(breach_id: int):
    """Complete an incident: effects, measures, notifications, closing."""
    breach = db.get_or_404(Breach, breach_id)
    form = BreachForm(obj=breach)
    if request.method == "GET":
        _fill(form, breach)
    if form.validate_on_submit():
        values = _values(form)
        problem = breach_problem(values, utcnow())
        if problem:
            form.form_errors.append(problem)
        else:
            for name, value in values.items():
                setattr(breach, name, value)
            log_activity("breach.updated", target=breach)
            db.session.commit()
            flash(_("Violation mise à jour."), "success")
            return htmx_redirect(url_for("gdpr.admin_breach", breach_id=breach.id))
    return render_form("gdpr/breach_form.html", form, breach=breach)
