"""Support tickets: the incident form with its "Sujet", conversations, attachments, the admin queue.

The client's pages are under /tickets, the admins' under /admin/tickets. A ticket whose "Sujet"
is a personal-data subject also opens a data-rights request (``services.data_rights``).
"""

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from blueprints.tickets.rules import event_text, format_waiting, tickets_of_intervention
from services.uploads import format_size, type_label

bp = Blueprint("tickets", __name__)
# An event of a conversation (status change, assignment) in the reader's language.
bp.add_app_template_filter(event_text, "ticket_event")
# How long a client has been waiting for an answer, in the queue.
bp.add_app_template_filter(format_waiting, "waiting")
# The tickets an intervention came from, for the intervention pages of both sides.
bp.add_app_template_global(tickets_of_intervention, "tickets_of_intervention")
# Attachments: a size in the reader's units (« 12,3 Mo »), what a file is (« document PDF »).
bp.add_app_template_filter(format_size, "file_size")
bp.add_app_template_filter(type_label, "file_type")

from blueprints.tickets import admin_routes, attachments, demo, panels, routes, rules  # noqa: E402,F401
from commands.demo import register_demo_step  # noqa: E402
from services.client_documents import register_document_source  # noqa: E402
from services.data_rights import register_erasure_check  # noqa: E402
from services.erasure import register_erasure_step  # noqa: E402

# The limits that the file field of ticket forms explains (tickets/_attachment_input.html).
bp.add_app_template_global(attachments.input_context, "ticket_attachment_limits")


@bp.record_once
def _plug_into_the_app(state: BlueprintSetupState) -> None:
    """On the app that registers the area: its dashboard panels and its demo data."""
    panels.register_panels(state.app)
    register_demo_step(state.app, demo.add_demo_tickets)
    register_erasure_check(state.app, "open_tickets", rules.open_tickets_check)
    register_erasure_check(state.app, "ticket_attachments", rules.attachments_check)
    register_erasure_step(state.app, "ticket_attachments", rules.attachment_files)
    register_document_source(state.app, "tickets", attachments.client_attachment_documents)
