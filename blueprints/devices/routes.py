"""Routes of devices and licences: the client's own under /account, every client's under /admin.

A client's action and its admin twin are one view taking a :class:`Scope` (whose devices, where
to go back), registered by :func:`twin_routes` on the client's URL (client login) and on the
admin's (``admin_required``). Every view scopes its query to the scope's client: an object of
another client is a 404, for pages and fragments alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from flask import abort, flash, make_response, render_template, url_for
from flask_login import current_user

from blueprints.devices import bp
from blueprints.devices.forms import NO_DEVICE, DeviceForm, LicenceForm
from blueprints.devices.rules import (
    client_devices_query,
    client_licences_query,
    client_may_change,
    clients_may_add_devices,
    device_of_client_or_404,
    licence_key,
    licence_of_client_or_404,
    serial_number,
    set_licence_key,
    set_serial_number,
)
from models import db
from models.client import Client
from models.device import Device, Licence
from services.activity import log_activity
from services.client_devices import device_choices
from services.i18n import gettext as _
from web.access import admin_required, client_required, log_admin_view
from web.forms import render_form
from web.htmx import htmx_redirect, is_fragment_request

FORM_METHODS = ["GET", "POST"]
SECTION = "devices"


@dataclass(frozen=True)
class Scope:
    """Whose devices a view works on, and where it leads back.

    The client's own (:func:`own_scope`) or, for an admin, one client's (:func:`admin_scope`).
    """

    client: Client
    client_id: int
    by_admin: bool

    @property
    def detail(self) -> dict | None:
        """What an activity entry adds: an admin's act names the client."""
        return {"client": self.client_id} if self.by_admin else None

    def may_add_devices(self) -> bool:
        """Admins always; clients when the company allows it."""
        return self.by_admin or clients_may_add_devices()

    def may_change(self, device: Device) -> bool:
        """Admins change any device of the client; a client only those they added."""
        return self.by_admin or client_may_change(device, current_user)

    def devices_url(self) -> str:
        """The list of devices."""
        if self.by_admin:
            return url_for("devices.admin_devices", client_id=self.client_id)
        return url_for("devices.account_devices")

    def device_url(self, device_id: int) -> str:
        """Where a device's actions lead back: its page for the client, the list for an admin."""
        if self.by_admin:
            return self.devices_url()
        return url_for("devices.account_device", device_id=device_id)

    def licences_url(self) -> str:
        """The list of licences (on the same page as the devices for an admin)."""
        if self.by_admin:
            return self.devices_url()
        return url_for("devices.account_licences")


def own_scope() -> Scope:
    """The logged-in client's own devices."""
    client = current_user.client
    return Scope(client=client, client_id=client.id, by_admin=False)


def admin_scope(client_id: int) -> Scope:
    """An admin's view of one client's devices (a 404 for no such client); its look is logged."""
    client = db.get_or_404(Client, client_id)
    log_admin_view(client_id, SECTION)
    return Scope(client=client, client_id=client_id, by_admin=True)


def twin_routes(*, client: str, admin: str, **options):
    """Register ``view(scope, ...)`` on two URL rules, one per side.

    ``account_<view>`` on the ``client`` rule: the logged-in client (``client_required``), on
    their own devices. ``admin_<view>`` on the ``admin`` rule, which names the client: admins
    only (``admin_required``), their look logged.
    """

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


def _fill_device(device: Device, form: DeviceForm) -> None:
    device.name = form.name.data.strip()
    device.type = form.type.data
    device.model = (form.model.data or "").strip() or None
    device.notes = (form.notes.data or "").strip() or None
    if form.serial_number.data and form.serial_number.data.strip():
        set_serial_number(device, form.serial_number.data)
    elif form.clear_serial.data:
        set_serial_number(device, None)


def _fill_licence(licence: Licence, form: LicenceForm) -> None:
    licence.product = form.product.data.strip()
    licence.seats = form.seats.data
    licence.expires_on = form.expires_on.data
    licence.device_id = form.device_id.data if form.device_id.data != NO_DEVICE else None
    if form.licence_key.data and form.licence_key.data.strip():
        set_licence_key(licence, form.licence_key.data)
    elif form.clear_key.data:
        set_licence_key(licence, None)


def _revealed(record, action: str, scope: Scope, title: str, value: str | None, secret_id: str):
    """Log the reveal of a secret of ``record``, then show it, never cached.

    A small fragment for htmx; a page otherwise, with a way back to the device or the licences.
    """
    back_url = scope.device_url(record.id) if isinstance(record, Device) else scope.licences_url()
    log_activity(action, target=record, detail=scope.detail)
    db.session.commit()
    context = {"title": title, "value": value, "secret_id": secret_id, "back_url": back_url}
    template = "devices/_revealed.html" if is_fragment_request() else "devices/revealed.html"
    response = make_response(render_template(template, **context))
    response.headers["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------- one view per action


@twin_routes(
    client="/account/devices/new",
    admin="/admin/clients/<int:client_id>/devices/new",
    methods=FORM_METHODS,
)
def new_device(scope: Scope):
    """Add a device to the scope's client (a client may when the company allows it)."""
    if not scope.may_add_devices():
        abort(404)
    form = DeviceForm()
    if form.validate_on_submit():
        device = Device(client_id=scope.client_id, created_by_id=current_user.id)
        _fill_device(device, form)
        db.session.add(device)
        db.session.flush()
        log_activity("device.created", target=device, detail=scope.detail)
        db.session.commit()
        flash(_("Équipement « %(name)s » ajouté.", name=device.name), "success")
        return htmx_redirect(scope.devices_url())
    if scope.by_admin:
        title = _("Ajouter un équipement pour %(client)s", client=scope.client.display_name)
    else:
        title = _("Ajouter un équipement")
    return render_form(
        "devices/device_form.html",
        form,
        title=title,
        cancel_url=scope.devices_url(),
        device=None,
    )


def _changeable_device(scope: Scope, device_id: int) -> Device:
    """A device of the scope's client that the user may change; anything else is a 404."""
    device = device_of_client_or_404(device_id, scope.client_id)
    if not scope.may_change(device):
        abort(404)
    return device


@twin_routes(
    client="/account/devices/<int:device_id>/edit",
    admin="/admin/clients/<int:client_id>/devices/<int:device_id>/edit",
    methods=FORM_METHODS,
)
def edit_device(scope: Scope, device_id: int):
    """Edit a device (a client, one they added); an empty serial number field keeps it."""
    device = _changeable_device(scope, device_id)
    form = DeviceForm(obj=device)  # the serial number is never put back in the form
    if form.validate_on_submit():
        _fill_device(device, form)
        log_activity("device.updated", target=device, detail=scope.detail)
        db.session.commit()
        flash(_("Équipement « %(name)s » enregistré.", name=device.name), "success")
        return htmx_redirect(scope.device_url(device_id))
    return render_form(
        "devices/device_form.html",
        form,
        title=_("Modifier « %(name)s »", name=device.name),
        cancel_url=scope.device_url(device_id),
        device=device,
    )


@twin_routes(
    client="/account/devices/<int:device_id>/delete",
    admin="/admin/clients/<int:client_id>/devices/<int:device_id>/delete",
    methods=["POST"],
)
def delete_device(scope: Scope, device_id: int):
    """Delete a device (a client, one they added), confirmed; its licences stay, unlinked."""
    device = _changeable_device(scope, device_id)
    log_activity("device.deleted", target=device, detail=scope.detail)
    name = device.name
    db.session.delete(device)
    db.session.commit()
    flash(_("Équipement « %(name)s » supprimé.", name=name), "success")
    return htmx_redirect(scope.devices_url())


@twin_routes(
    client="/account/devices/<int:device_id>/serial",
    admin="/admin/clients/<int:client_id>/devices/<int:device_id>/serial",
    methods=["POST"],
)
def reveal_serial(scope: Scope, device_id: int):
    """Reveal the serial number of a device of the scope's client; the reveal is logged."""
    device = device_of_client_or_404(device_id, scope.client_id)
    title = _("Numéro de série de « %(name)s »", name=device.name)
    return _revealed(
        device, "device.serial_revealed", scope, title, serial_number(device), f"serial-{device_id}"
    )


@twin_routes(
    client="/account/licences/<int:licence_id>/key",
    admin="/admin/clients/<int:client_id>/licences/<int:licence_id>/key",
    methods=["POST"],
)
def reveal_licence_key(scope: Scope, licence_id: int):
    """Reveal the key of a licence of the scope's client; the reveal is logged."""
    licence = licence_of_client_or_404(licence_id, scope.client_id)
    title = _("Licence « %(product)s »", product=licence.product)
    return _revealed(
        licence, "licence.key_revealed", scope, title, licence_key(licence), f"key-{licence_id}"
    )


# ---------------------------------------------------------------- the client's own


@bp.get("/account/devices")
@client_required
def account_devices():
    """The client's devices, with their serial numbers masked."""
    scope = own_scope()
    devices = db.session.scalars(client_devices_query(scope.client_id)).all()
    return render_template(
        "devices/account_devices.html", devices=devices, may_add=scope.may_add_devices()
    )


@bp.get("/account/devices/<int:device_id>")
@client_required
def account_device(device_id: int):
    """One device of the client, with its licences."""
    scope = own_scope()
    device = device_of_client_or_404(device_id, scope.client_id)
    return render_template(
        "devices/account_device.html", device=device, may_change=scope.may_change(device)
    )


@bp.get("/account/licences")
@client_required
def account_licences():
    """The client's software licences, with their keys masked."""
    licences = db.session.scalars(client_licences_query(own_scope().client_id)).unique().all()
    return render_template("devices/account_licences.html", licences=licences)


# ---------------------------------------------------------------- admins, for one client


@bp.get("/admin/clients/<int:client_id>/devices")
@admin_required
def admin_devices(client_id: int):
    """The devices and licences of one client; the admin's look is logged."""
    scope = admin_scope(client_id)
    devices = db.session.scalars(client_devices_query(scope.client_id)).all()
    licences = db.session.scalars(client_licences_query(scope.client_id)).unique().all()
    return render_template(
        "devices/admin_devices.html", client=scope.client, devices=devices, licences=licences
    )


@bp.route("/admin/clients/<int:client_id>/licences/new", methods=FORM_METHODS)
@admin_required
def admin_new_licence(client_id: int):
    """Add a software licence to a client."""
    scope = admin_scope(client_id)
    form = LicenceForm(device_choices=device_choices(scope.client_id))
    if form.validate_on_submit():
        licence = Licence(client_id=scope.client_id)
        _fill_licence(licence, form)
        db.session.add(licence)
        db.session.flush()
        log_activity("licence.created", target=licence, detail=scope.detail)
        db.session.commit()
        flash(_("Licence « %(product)s » ajoutée.", product=licence.product), "success")
        return htmx_redirect(scope.licences_url())
    return render_form(
        "devices/licence_form.html",
        form,
        title=_("Ajouter une licence pour %(client)s", client=scope.client.display_name),
        cancel_url=scope.licences_url(),
        licence=None,
    )


@bp.route("/admin/clients/<int:client_id>/licences/<int:licence_id>/edit", methods=FORM_METHODS)
@admin_required
def admin_edit_licence(client_id: int, licence_id: int):
    """Edit a licence; an empty key field keeps the stored key."""
    scope = admin_scope(client_id)
    licence = licence_of_client_or_404(licence_id, scope.client_id)
    # The key is never put back in the form (the model has no ``licence_key`` attribute).
    form = LicenceForm(obj=licence, device_choices=device_choices(scope.client_id))
    if form.validate_on_submit():
        _fill_licence(licence, form)
        log_activity("licence.updated", target=licence, detail=scope.detail)
        db.session.commit()
        flash(_("Licence « %(product)s » enregistrée.", product=licence.product), "success")
        return htmx_redirect(scope.licences_url())
    return render_form(
        "devices/licence_form.html",
        form,
        title=_("Modifier la licence « %(product)s »", product=licence.product),
        cancel_url=scope.licences_url(),
        licence=licence,
    )


@bp.post("/admin/clients/<int:client_id>/licences/<int:licence_id>/delete")
@admin_required
def admin_delete_licence(client_id: int, licence_id: int):
    """Delete a licence (the page asked for confirmation)."""
    scope = admin_scope(client_id)
    licence = licence_of_client_or_404(licence_id, scope.client_id)
    log_activity("licence.deleted", target=licence, detail=scope.detail)
    product = licence.product
    db.session.delete(licence)
    db.session.commit()
    flash(_("Licence « %(product)s » supprimée.", product=product), "success")
    return htmx_redirect(scope.licences_url())
