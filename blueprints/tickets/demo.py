"""Demo tickets for the demo clients: every status, a deletion request, internal notes; and
the replies the demo admin keeps.

Times are set in the past (minutes before now) so that the lists read as a real history.
"""

from __future__ import annotations

import io
from datetime import timedelta

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from blueprints.tickets.attachments import store_attachments
from blueprints.tickets.rules import (
    add_message,
    assign,
    change_status,
    link_intervention,
    open_ticket,
)
from models import db, utcnow
from models.device import Device
from models.intervention import Intervention
from models.ticket import SavedReply
from services.data_rights import open_request

DEMO_LOG = (
    "2026-11-28 08:12:03 imprimante: erreur E3 (tête d'impression)\n"
    "2026-11-28 08:12:04 imprimante: nettoyage automatique lancé\n"
    "2026-11-28 08:14:41 imprimante: erreur E3 (tête d'impression)\n"
).encode()

# (subject, title, priority, status, conversation) where the conversation is a list of
# (who, body) with who "client", "staff" or "note"; per demo client, in order.
DEMO_TICKETS = [
    [
        (
            "hardware",
            "L'imprimante du salon n'imprime plus",
            "high",
            "waiting_client",
            [
                (
                    "client",
                    "<p>Depuis hier, l'imprimante affiche « Erreur E3 » et refuse d'imprimer.</p>",
                ),
                ("note", "<p>Probablement la tête d'impression : prévoir la pièce.</p>"),
                (
                    "staff",
                    "<p>Bonjour, pouvez-vous l'éteindre une minute puis la rallumer et nous dire si l'erreur revient ?</p>",
                ),
            ],
        ),
        (
            "network",
            "Wi-Fi très lent le soir",
            "normal",
            "resolved",
            [
                ("client", "<p>Le Wi-Fi devient très lent après 20 h.</p>"),
                ("staff", "<p>Nous avons changé le canal de votre box : le débit est revenu.</p>"),
            ],
        ),
        (
            "software",
            "Mise à jour Windows bloquée",
            "normal",
            "new",
            [("client", "<p>La mise à jour reste bloquée à 35 % depuis ce matin.</p>")],
        ),
    ],
    [
        (
            "backup",
            "Vérifier la sauvegarde du serveur",
            "urgent",
            "in_progress",
            [
                ("client", "<p>Le NAS a envoyé une alerte de sauvegarde cette nuit.</p>"),
                ("staff", "<p>Nous regardons les journaux du NAS et revenons vers vous.</p>"),
            ],
        ),
        (
            "email",
            "Messagerie de l'accueil",
            "low",
            "closed",
            [
                (
                    "client",
                    "<p>Pouvez-vous ajouter l'adresse accueil@ sur le poste de l'accueil ?</p>",
                ),
                ("staff", "<p>C'est fait : l'adresse est configurée dans Outlook.</p>"),
            ],
        ),
    ],
    [
        (
            "erasure",
            "Suppression de notre espace client",
            "normal",
            "new",
            [
                (
                    "client",
                    "<p>L'association cesse son activité : merci de supprimer notre espace.</p>",
                )
            ],
        ),
        (
            "network",
            "Le dossier partagé ne s'ouvre plus",
            "high",
            "in_progress",
            [
                (
                    "client",
                    "<p>Depuis ce matin, le dossier « Adhérents » affiche « Accès refusé ».</p>",
                ),
                ("note", "<p>Mot de passe du NAS changé la semaine dernière ? À vérifier.</p>"),
                (
                    "staff",
                    "<p>Nous allons nous connecter à distance cet après-midi pour rétablir "
                    "l'accès.</p>",
                ),
            ],
        ),
    ],
]

# Replies the demo admin keeps, to insert into an answer: (title, body).
DEMO_SAVED_REPLIES = [
    (
        "Redémarrage",
        "<p>Bonjour, pouvez-vous éteindre l'appareil une minute, le rallumer, puis nous dire si "
        "le problème revient ?</p>",
    ),
    (
        "Prise en main à distance",
        "<p>Bonjour, nous allons nous connecter à distance : gardez votre ordinateur allumé et "
        "acceptez la demande de connexion quand elle s'affiche.</p>",
    ),
    (
        "Problème résolu",
        "<p>Le problème est réglé de notre côté. Si tout fonctionne chez vous, nous fermerons ce "
        "ticket dans quelques jours.</p>",
    ),
]


def add_demo_tickets(admin, clients) -> None:
    """The demo conversations, the first on the client's first device and tied to an intervention."""
    base = utcnow() - timedelta(days=6)
    for client, tickets in zip(clients, DEMO_TICKETS, strict=False):
        for n, (subject, title, priority, status, conversation) in enumerate(tickets):
            ticket = _demo_ticket(admin, client, subject, title, priority, conversation, base, n)
            if status != "new":
                assign(ticket, admin, actor=admin)
                if ticket.status != status:
                    change_status(ticket, status, actor=admin, by_staff=True)
            if subject == "erasure":
                open_request(client.id, "erasure", ticket_id=ticket.id)
    db.session.add_all(
        SavedReply(title=title, body=body, created_by_id=admin.id)
        for title, body in DEMO_SAVED_REPLIES
    )
    db.session.flush()


def _demo_ticket(admin, client, subject, title, priority, conversation, base, n):
    first_device = db.session.scalar(
        sa.select(Device.id).where(Device.client_id == client.id).order_by(Device.id).limit(1)
    )
    ticket = open_ticket(
        client,
        subject=subject,
        title=title,
        body=conversation[0][1],
        author=client.user,
        priority=priority,
        device_id=first_device if n == 0 else None,
    )
    at = base + timedelta(days=n, hours=2)
    ticket.created_at = ticket.last_message_at = ticket.last_client_message_at = at
    ticket.client_seen_at = at
    for step, (who, body) in enumerate(conversation[1:], 1):
        add_message(
            ticket,
            author=client.user if who == "client" else admin,
            body=body,
            from_staff=who != "client",
            kind="note" if who == "note" else "message",
            at=at + timedelta(hours=step),
        )
    if n == 0:
        log = FileStorage(io.BytesIO(DEMO_LOG), filename="journal-imprimante.txt")
        store_attachments(ticket, ticket.messages[0], [log], uploaded_by=client.user)
        intervention = db.session.scalar(
            sa.select(Intervention)
            .where(Intervention.client_id == client.id)
            .order_by(Intervention.id)
            .limit(1)
        )
        if intervention is not None:
            link_intervention(ticket, intervention, actor=admin)
    return ticket
