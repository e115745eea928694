"""The in-place editor of profile sections, shared by the client space and the administration.

The same partial (``account/_profile_section.html``) serves both; :class:`SectionLinks` tells it
which URLs to use. The views stay in their blueprints (with their access rule); the request
handling they share is here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import flash, make_response, redirect, render_template, request, url_for

from models import db
from models.client import Client
from services.i18n import gettext as _
from services.profile import Section, save_section
from web.forms import render_form
from web.htmx import htmx_redirect, is_fragment_request
from web.profile_forms import section_form

SECTION_TEMPLATE = "account/_profile_section.html"


@dataclass(frozen=True)
class SectionLinks:
    """The endpoints of one area's editor, and the URL values they need (a client id)."""

    page_endpoint: str
    view_endpoint: str
    edit_endpoint: str
    values: dict = field(default_factory=dict)

    def page(self, name: str | None = None) -> str:
        anchor = f"profile-{name}" if name else None
        return url_for(self.page_endpoint, _anchor=anchor, **self.values)

    def view(self, name: str) -> str:
        return url_for(self.view_endpoint, name=name, **self.values)

    def edit(self, name: str) -> str:
        return url_for(self.edit_endpoint, name=name, **self.values)


def section_view(client: Client, section: Section, links: SectionLinks):
    """The section as read: a fragment for htmx, else back to the page at the section."""
    if not is_fragment_request():
        return redirect(links.page(section.name))
    return render_template(
        SECTION_TEMPLATE, client=client, section=section, links=links, editable=True
    )


def section_editor(client: Client, section: Section, links: SectionLinks, page_template: str):
    """GET: the form (fragment or page). POST: save and show, or 422 with the errors."""
    posted = request.method == "POST"
    form = section_form(section, client, formdata=request.form if posted else None)
    if posted and form.validate():
        changed = save_section(client, section, form.values())
        db.session.commit()
        return _saved(client, section, links, changed)
    return render_form(
        page_template,
        form,
        SECTION_TEMPLATE,
        client=client,
        section=section,
        links=links,
        editing=True,
        editable=True,
    )


def _saved(client: Client, section: Section, links: SectionLinks, changed: list[str]):
    """After a save: the section as read for htmx, the page otherwise."""
    if "category" in changed:  # the company section appears or goes: reload the whole page
        flash(_("Modifications enregistrées."), "success")
        return htmx_redirect(links.page())
    if not is_fragment_request():
        flash(_("Modifications enregistrées."), "success")
        return redirect(links.page(section.name), code=303)
    response = make_response(
        render_template(
            SECTION_TEMPLATE,
            client=client,
            section=section,
            links=links,
            editable=True,
            saved=True,
        )
    )
    if changed:
        response.headers["HX-Trigger"] = "profile-changed"
    return response
