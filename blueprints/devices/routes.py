"""Routes of devices and licences: the client's own under /account, every client's under /admin.

Every route scopes its query to one client: the logged-in client, or the client of the URL for
admins. An object of another client is a 404, for pages and fragments alike.
"""

from __future__ import annotations

from flask import abort, flash, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.devices import bp
from blueprints.devices.forms import NO_DEVICE, DeviceForm, LicenceForm
from blueprints.devices.rules import (
    client_devices_query,
    client_licences_query,
    client_may_change,
    clients_may_add_devices,
    device_choices,
    device_of_client_or_404,
    licence_key,
    licence_of_client_or_404,
    masked,
    serial_number,
    set_licence_key,
    set_serial_number,
)
from models import db
from models.client import Client
from models.device import Device, Licence
from services.access import admin_required, client_required
from services.activity import log_activity, log_client_viewed
from services.htmx import htmx_redirect, is_fragment_request


@bp.app_template_filter("masked_secret")
def masked_secret(token: str | None) -> str:
    """The masked form of an encrypted value, for lists and detail pages."""
    return masked(token)


def _client_id() -> int:
    return current_user.client.id


def _form_page(template: str, form, status: int = 200, **context):
    """A form page; 422 when the form was sent and is invalid (htmx swaps it in)."""
    return render_template(template, form=form, **context), status


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


def _reveal_response(title: str, value: str | None, secret_id: str, back_url: str):
    """The clear value: a small fragment for htmx, a page otherwise; never cached."""
    context = {"title": title, "value": value, "secret_id": secret_id, "back_url": back_url}
    template = "devices/_revealed.html" if is_fragment_request() else "devices/revealed.html"
    response = make_response(render_template(template, **context))
    response.headers["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------- the client's own


@bp.get("/account/devices")
@client_required
def account_devices():
    """The client's devices, with their serial numbers masked."""
    devices = db.session.scalars(client_devices_query(_client_id())).all()
    return render_template(
        "devices/account_devices.html", devices=devices, may_add=clients_may_add_devices()
    )


@bp.get("/account/devices/<int:device_id>")
@client_required
def account_device(device_id: int):
    """One device of the client, with its licences."""
    device = device_of_client_or_404(device_id, _client_id())
    return render_template(
        "devices/account_device.html",
        device=device,
        may_change=client_may_change(device, current_user),
    )


@bp.route("/account/devices/new", methods=["GET", "POST"])
@client_required
def account_new_device():
    """A client adds a device of their own, when the company allows it."""
    if not clients_may_add_devices():
        abort(404)
    form = DeviceForm()
    if form.validate_on_submit():
        device = Device(client_id=_client_id(), created_by_id=current_user.id)
        _fill_device(device, form)
        db.session.add(device)
        db.session.flush()
        log_activity("device.created", target=device)
        db.session.commit()
        flash(_("Équipement « %(name)s » ajouté.", name=device.name), "success")
        return htmx_redirect(url_for("devices.account_devices"))
    return _form_page(
        "devices/device_form.html",
        form,
        422 if form.is_submitted() else 200,
        title=_("Ajouter un équipement"),
        cancel_url=url_for("devices.account_devices"),
        device=None,
    )


def _own_changeable_device(device_id: int) -> Device:
    """A device of the client that they added themselves; anything else is a 404."""
    device = device_of_client_or_404(device_id, _client_id())
    if not client_may_change(device, current_user):
        abort(404)
    return device


@bp.route("/account/devices/<int:device_id>/edit", methods=["GET", "POST"])
@client_required
def account_edit_device(device_id: int):
    """A client corrects a device they added; an empty serial number field keeps it."""
    device = _own_changeable_device(device_id)
    form = DeviceForm(obj=device)
    if form.validate_on_submit():
        _fill_device(device, form)
        log_activity("device.updated", target=device)
        db.session.commit()
        flash(_("Équipement « %(name)s » enregistré.", name=device.name), "success")
        return htmx_redirect(url_for("devices.account_device", device_id=device.id))
    return _form_page(
        "devices/device_form.html",
        form,
        422 if form.is_submitted() else 200,
        title=_("Modifier « %(name)s »", name=device.name),
        cancel_url=url_for("devices.account_device", device_id=device.id),
        device=device,
    )


@bp.post("/account/devices/<int:device_id>/delete")
@client_required
def account_delete_device(device_id: int):
    """A client deletes a device they added (the page asked for confirmation)."""
    device = _own_changeable_device(device_id)
    log_activity("device.deleted", target=device)
    name = device.name
    db.session.delete(device)
    db.session.commit()
    flash(_("Équipement « %(name)s » supprimé.", name=name), "success")
    return htmx_redirect(url_for("devices.account_devices"))


@bp.post("/account/devices/<int:device_id>/serial")
@client_required
def account_reveal_serial(device_id: int):
    """Reveal the serial number of one of the client's devices; the reveal is logged."""
    device = device_of_client_or_404(device_id, _client_id())
    log_activity("device.serial_revealed", target=device)
    db.session.commit()
    return _reveal_response(
        _("Numéro de série de « %(name)s »", name=device.name),
        serial_number(device),
        f"serial-{device.id}",
        url_for("devices.account_device", device_id=device.id),
    )


@bp.get("/account/licences")
@client_required
def account_licences():
    """The client's software licences, with their keys masked."""
    licences = db.session.scalars(client_licences_query(_client_id())).unique().all()
    return render_template("devices/account_licences.html", licences=licences)


@bp.post("/account/licences/<int:licence_id>/key")
@client_required
def account_reveal_licence_key(licence_id: int):
    """Reveal the key of one of the client's licences; the reveal is logged."""
    licence = licence_of_client_or_404(licence_id, _client_id())
    log_activity("licence.key_revealed", target=licence)
    db.session.commit()
    return _reveal_response(
        _("Licence « %(product)s »", product=licence.product),
        licence_key(licence),
        f"key-{licence.id}",
        url_for("devices.account_licences"),
    )


# ---------------------------------------------------------------- admins, for one client


def _log_view_of_form(client_id: int) -> None:
    """Opening a form about a client's devices shows their data: the view is logged."""
    if request.method == "GET":
        log_client_viewed(client_id, "devices")
        db.session.commit()


@bp.get("/admin/clients/<int:client_id>/devices")
@admin_required
def admin_devices(client_id: int):
    """The devices and licences of one client; the admin's look is logged."""
    client = db.get_or_404(Client, client_id)
    log_client_viewed(client.id, "devices")
    db.session.commit()  # before loading the lists: a commit expires what it loaded
    devices = db.session.scalars(client_devices_query(client.id)).all()
    licences = db.session.scalars(client_licences_query(client.id)).unique().all()
    return render_template(
        "devices/admin_devices.html", client=client, devices=devices, licences=licences
    )


@bp.route("/admin/clients/<int:client_id>/devices/new", methods=["GET", "POST"])
@admin_required
def admin_new_device(client_id: int):
    """Add a device to a client."""
    client = db.get_or_404(Client, client_id)
    _log_view_of_form(client.id)
    form = DeviceForm()
    if form.validate_on_submit():
        device = Device(client_id=client.id, created_by_id=current_user.id)
        _fill_device(device, form)
        db.session.add(device)
        db.session.flush()
        log_activity("device.created", target=device, detail={"client": client.id})
        db.session.commit()
        flash(_("Équipement « %(name)s » ajouté.", name=device.name), "success")
        return htmx_redirect(url_for("devices.admin_devices", client_id=client.id))
    return _form_page(
        "devices/device_form.html",
        form,
        422 if form.is_submitted() else 200,
        title=_("Ajouter un équipement pour %(client)s", client=client.display_name),
        cancel_url=url_for("devices.admin_devices", client_id=client.id),
        device=None,
    )


@bp.route("/admin/clients/<int:client_id>/devices/<int:device_id>/edit", methods=["GET", "POST"])
@admin_required
def admin_edit_device(client_id: int, device_id: int):
    """Edit a device; an empty serial number field keeps the stored one."""
    device = device_of_client_or_404(device_id, client_id)
    _log_view_of_form(client_id)
    form = DeviceForm(obj=device)  # the serial number is never put back in the form
    if form.validate_on_submit():
        _fill_device(device, form)
        log_activity("device.updated", target=device, detail={"client": client_id})
        db.session.commit()
        flash(_("Équipement « %(name)s » enregistré.", name=device.name), "success")
        return htmx_redirect(url_for("devices.admin_devices", client_id=client_id))
    return _form_page(
        "devices/device_form.html",
        form,
        422 if form.is_submitted() else 200,
        title=_("Modifier « %(name)s »", name=device.name),
        cancel_url=url_for("devices.admin_devices", client_id=client_id),
        device=device,
    )


@bp.post("/admin/clients/<int:client_id>/devices/<int:device_id>/delete")
@admin_required
def admin_delete_device(client_id: int, device_id: int):
    """Delete a device (the page asked for confirmation); its licences stay, unlinked."""
    device = device_of_client_or_404(device_id, client_id)
    log_activity("device.deleted", target=device, detail={"client": client_id})
    name = device.name
    db.session.delete(device)
    db.session.commit()
    flash(_("Équipement « %(name)s » supprimé.", name=name), "success")
    return htmx_redirect(url_for("devices.admin_devices", client_id=client_id))


@bp.post("/admin/clients/<int:client_id>/devices/<int:device_id>/serial")
@admin_required
def admin_reveal_serial(client_id: int, device_id: int):
    """Reveal a client's serial number to an admin; the reveal is logged."""
    device = device_of_client_or_404(device_id, client_id)
    log_activity("device.serial_revealed", target=device, detail={"client": client_id})
    db.session.commit()
    return _reveal_response(
        _("Numéro de série de « %(name)s »", name=device.name),
        serial_number(device),
        f"serial-{device.id}",
        url_for("devices.admin_devices", client_id=client_id),
    )


@bp.route("/admin/clients/<int:client_id>/licences/new", methods=["GET", "POST"])
@admin_required
def admin_new_licence(client_id: int):
    """Add a software licence to a client."""
    client = db.get_or_404(Client, client_id)
    _log_view_of_form(client.id)
    form = LicenceForm(device_choices=device_choices(client.id))
    if form.validate_on_submit():
        licence = Licence(client_id=client.id)
        _fill_licence(licence, form)
        db.session.add(licence)
        db.session.flush()
        log_activity("licence.created", target=licence, detail={"client": client.id})
        db.session.commit()
        flash(_("Licence « %(product)s » ajoutée.", product=licence.product), "success")
        return htmx_redirect(url_for("devices.admin_devices", client_id=client.id))
    return _form_page(
        "devices/licence_form.html",
        form,
        422 if form.is_submitted() else 200,
        title=_("Ajouter une licence pour %(client)s", client=client.display_name),
        cancel_url=url_for("devices.admin_devices", client_id=client.id),
        licence=None,
    )


@bp.route("/admin/clients/<int:client_id>/licences/<int:licence_id>/edit", methods=["GET", "POST"])
@admin_required
def admin_edit_licence(client_id: int, licence_id: int):
    """Edit a licence; an empty key field keeps the stored key."""
    licence = licence_of_client_or_404(licence_id, client_id)
    _log_view_of_form(client_id)
    # The key is never put back in the form (the model has no ``licence_key`` attribute).
    form = LicenceForm(obj=licence, device_choices=device_choices(client_id))
    if form.validate_on_submit():
        _fill_licence(licence, form)
        log_activity("licence.updated", target=licence, detail={"client": client_id})
        db.session.commit()
        flash(_("Licence « %(product)s » enregistrée.", product=licence.product), "success")
        return htmx_redirect(url_for("devices.admin_devices", client_id=client_id))
    return _form_page(
        "devices/licence_form.html",
        form,
        422 if form.is_submitted() else 200,
        title=_("Modifier la licence « %(product)s »", product=licence.product),
        cancel_url=url_for("devices.admin_devices", client_id=client_id),
        licence=licence,
    )


@bp.post("/admin/clients/<int:client_id>/licences/<int:licence_id>/delete")
@admin_required
def admin_delete_licence(client_id: int, licence_id: int):
    """Delete a licence (the page asked for confirmation)."""
    licence = licence_of_client_or_404(licence_id, client_id)
    log_activity("licence.deleted", target=licence, detail={"client": client_id})
    product = licence.product
    db.session.delete(licence)
    db.session.commit()
    flash(_("Licence « %(product)s » supprimée.", product=product), "success")
    return htmx_redirect(url_for("devices.admin_devices", client_id=client_id))


@bp.post("/admin/clients/<int:client_id>/licences/<int:licence_id>/key")
@admin_required
def admin_reveal_licence_key(client_id: int, licence_id: int):
    """Reveal a client's licence key to an admin; the reveal is logged."""
    licence = licence_of_client_or_404(licence_id, client_id)
    log_activity("licence.key_revealed", target=licence, detail={"client": client_id})
    db.session.commit()
    return _reveal_response(
        _("Licence « %(product)s »", product=licence.product),
        licence_key(licence),
        f"key-{licence.id}",
        url_for("devices.admin_devices", client_id=client_id),
    )
