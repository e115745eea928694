"""Mails of the tickets area: a receipt to the client, news of a ticket to the other side.

The mails carry the ticket's title and a link, never the message itself: the conversation is
read in the portal, behind the login.
"""

from __future__ import annotations

from flask import current_app

from models.ticket import Ticket
from services.i18n import lazy_gettext as _l
from services.mail import mail_url, send_mail


def staff_address(ticket: Ticket) -> str:
    """Who hears of a client's ticket: its admin when it has one, else the support address."""
    if ticket.assignee is not None and ticket.assignee.is_enabled:
        return ticket.assignee.email
    config = current_app.config
    return config.get("TICKET_NOTIFY_EMAIL") or config["COMPANY_EMAIL"]


def tell_client_ticket_received(ticket: Ticket, data_rights_request=None) -> None:
    """The receipt of a new ticket (with the legal deadline for a personal-data request)."""
    user = ticket.client.user
    send_mail(
        user.email,
        "ticket_received",
        _l("Ticket n° %(number)s reçu", number=ticket.id),
        locale=user.locale,
        ticket=ticket,
        data_rights_request=data_rights_request,
        link=mail_url("tickets.account_ticket", ticket_id=ticket.id),
    )


def tell_staff_new_ticket(ticket: Ticket, data_rights_request=None) -> None:
    send_mail(
        staff_address(ticket),
        "ticket_new_staff",
        _l("Nouveau ticket n° %(number)s", number=ticket.id),
        ticket=ticket,
        data_rights_request=data_rights_request,
        link=mail_url("tickets.admin_ticket", ticket_id=ticket.id),
    )


def tell_client_answered(ticket: Ticket) -> None:
    user = ticket.client.user
    send_mail(
        user.email,
        "ticket_answered",
        _l("Réponse à votre ticket n° %(number)s", number=ticket.id),
        locale=user.locale,
        ticket=ticket,
        link=mail_url("tickets.account_ticket", ticket_id=ticket.id),
    )


def tell_staff_client_wrote(ticket: Ticket) -> None:
    send_mail(
        staff_address(ticket),
        "ticket_client_wrote",
        _l("Nouveau message sur le ticket n° %(number)s", number=ticket.id),
        ticket=ticket,
        link=mail_url("tickets.admin_ticket", ticket_id=ticket.id),
    )
