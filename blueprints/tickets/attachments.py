"""Attachments of tickets: the files sent with a message, kept and served back.

A ticket form checks its files with :func:`attachment_problems` (count, size, type read from
the content, the client's quota), then keeps them with :func:`store_attachments` in the same
transaction as the message; a file whose transaction does not commit is removed from the
store. Files are downloaded, never shown in the page: the ticket's client (not those of
internal notes) and admins, whose look at the client's data is logged.
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import abort, current_app, send_file
from flask_login import current_user
from sqlalchemy.orm import Session

from blueprints.tickets import bp
from models import db
from models.ticket import KIND_NOTE, Ticket, TicketAttachment, TicketMessage
from services import file_store
from services.activity import log_activity
from services.client_documents import Document
from services.uploads import (
    ALLOWED,
    ALLOWED_SUMMARY,
    EXTENSIONS,
    chosen_files,
    clean_filename,
    download_name,
    format_size,
    sniff,
    upload_problems,
)
from web.access import admin_required, client_required, log_admin_view

SECTION = "tickets"
DOWNLOADED = "ticket.attachment_downloaded"
# A downloaded file is never run as a page of the portal, whatever a browser makes of it.
DOWNLOAD_CSP = "default-src 'none'; sandbox"


# --- Limits and checks -----------------------------------------------------------------------


def attachment_limits() -> dict:
    """The limits of ticket attachments, from the settings: files per message, bytes each,
    bytes for all of one client's files."""
    config = current_app.config
    return {
        "max_files": config["TICKET_ATTACHMENT_MAX_FILES"],
        "max_bytes": config["TICKET_ATTACHMENT_MAX_BYTES"],
        "quota_bytes": config["TICKET_ATTACHMENT_QUOTA_BYTES"],
    }


def client_usage(client_id: int) -> int:
    """How many bytes the attachments of client ``client_id`` take, all tickets together."""
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(TicketAttachment.size), 0)).where(
            TicketAttachment.client_id == client_id
        )
    )


def attachment_problems(files, client_id: int) -> list[str]:
    """What is wrong with ``files`` sent by or for client ``client_id``, in French; empty when
    they may be kept (see :func:`services.uploads.upload_problems`)."""
    files = chosen_files(files)
    if not files:
        return []
    limits = attachment_limits()
    return upload_problems(
        files,
        max_files=limits["max_files"],
        max_bytes=limits["max_bytes"],
        quota_left=limits["quota_bytes"] - client_usage(client_id),
    )


def input_context() -> dict:
    """What ``tickets/_attachment_input.html`` says of the limits (its Jinja global
    ``ticket_attachment_limits()``)."""
    limits = attachment_limits()
    return {
        "max_files": limits["max_files"],
        "max_bytes": limits["max_bytes"],
        "max_size": format_size(limits["max_bytes"]),
        "allowed_summary": ALLOWED_SUMMARY,
        "accept": ",".join(sorted({e for t in ALLOWED for e in EXTENSIONS.get(t, ())})),
    }


# --- Keeping the files -----------------------------------------------------------------------


def store_attachments(
    ticket: Ticket, message: TicketMessage | None, files, *, uploaded_by
) -> list[TicketAttachment]:
    """Keep ``files`` (checked first with :func:`attachment_problems`) as attachments of
    ``message`` on ``ticket``; the caller commits.

    The files are written to the store at once and removed again if the transaction does not
    commit. ``message`` may be None only for files that a client must not see.
    """
    if message is not None and message.ticket_id != ticket.id:
        raise ValueError("the message belongs to another ticket")
    made: list[TicketAttachment] = []
    try:
        for sent in chosen_files(files):
            content_type = sniff(sent.stream, sent.filename)
            if content_type not in ALLOWED:
                raise ValueError("a file of a refused type: check with attachment_problems")
            sent.stream.seek(0)
            stored = file_store.save(sent.stream)
            discard_unless_committed(stored.name)
            attachment = TicketAttachment(
                ticket_id=ticket.id,
                message_id=getattr(message, "id", None),
                client_id=ticket.client_id,
                stored_name=stored.name,
                filename=clean_filename(sent.filename),
                content_type=content_type,
                size=stored.size,
                sha256=stored.sha256,
                uploaded_by_id=getattr(uploaded_by, "id", None),
            )
            db.session.add(attachment)
            made.append(attachment)
        db.session.flush()
    except BaseException:
        for attachment in made:
            if attachment in db.session:
                db.session.expunge(attachment)
            file_store.delete(attachment.stored_name)
        raise
    return made


_PENDING_FILES = "ticket_files_pending"


def discard_unless_committed(stored_name: str) -> None:
    """Remove the stored file ``stored_name`` when the current transaction ends without a
    commit (a rollback, an error, a request that ends without saving)."""
    path = file_store.path(stored_name)
    db.session().info.setdefault(_PENDING_FILES, []).append(path)


@sa.event.listens_for(Session, "after_commit")
def _keep_committed_files(session: Session) -> None:
    session.info.pop(_PENDING_FILES, None)


@sa.event.listens_for(Session, "after_transaction_end")
def _remove_uncommitted_files(session: Session, transaction) -> None:
    if transaction.parent is not None:
        return  # a savepoint: the files follow the outer transaction
    for path in session.info.pop(_PENDING_FILES, ()):
        path.unlink(missing_ok=True)


# --- Reading ---------------------------------------------------------------------------------


def visible_attachments(ticket_id: int, *, by_staff: bool) -> sa.Select:
    """The attachments of a ticket in order; those of internal notes only for staff, and for a
    client only those sent with a message they see."""
    query = sa.select(TicketAttachment).where(TicketAttachment.ticket_id == ticket_id)
    if not by_staff:
        query = query.join(TicketMessage, TicketAttachment.message_id == TicketMessage.id).where(
            TicketMessage.kind != KIND_NOTE
        )
    return query.order_by(TicketAttachment.id)


def attachments_by_message(ticket_id: int, *, by_staff: bool) -> dict[int | None, list]:
    """The attachments a reader of the ticket sees, by message id, in one query (for the
    conversation: ``attachments_by_message(...).get(message.id, [])``)."""
    grouped: dict[int | None, list] = {}
    for attachment in db.session.scalars(visible_attachments(ticket_id, by_staff=by_staff)):
        grouped.setdefault(attachment.message_id, []).append(attachment)
    return grouped


def attachment_of_client(
    client_id: int, ticket_id: int, attachment_id: int
) -> TicketAttachment | None:
    """Attachment ``attachment_id`` of ticket ``ticket_id`` if client ``client_id`` may have
    it: their own ticket, not an internal note's file. None otherwise (a 404)."""
    return db.session.scalar(
        visible_attachments(ticket_id, by_staff=False).where(
            TicketAttachment.id == attachment_id, TicketAttachment.client_id == client_id
        )
    )


def attachment_of_ticket(ticket_id: int, attachment_id: int) -> TicketAttachment | None:
    """Attachment ``attachment_id`` if it belongs to ticket ``ticket_id`` (for admins)."""
    return db.session.scalar(
        visible_attachments(ticket_id, by_staff=True).where(TicketAttachment.id == attachment_id)
    )


# --- Downloads -------------------------------------------------------------------------------


@bp.get("/tickets/<int:ticket_id>/attachments/<int:attachment_id>")
@client_required
def account_attachment(ticket_id: int, attachment_id: int):
    """Download a file of one of the client's own tickets (never one of an internal note)."""
    attachment = attachment_of_client(current_user.client.id, ticket_id, attachment_id)
    if attachment is None:
        abort(404)
    return _download(attachment, detail={"ticket": ticket_id})


@bp.get("/admin/tickets/<int:ticket_id>/attachments/<int:attachment_id>")
@admin_required
def admin_attachment(ticket_id: int, attachment_id: int):
    """Download any file of a ticket, internal notes' too; the look at the client is logged."""
    attachment = attachment_of_ticket(ticket_id, attachment_id)
    if attachment is None:
        abort(404)
    log_admin_view(attachment.client_id, SECTION)
    return _download(attachment, detail={"ticket": ticket_id, "client": attachment.client_id})


def _download(attachment: TicketAttachment, *, detail: dict):
    """The file as a download: its sniffed type, never cached, never shown as a page."""
    try:
        content = file_store.open(attachment.stored_name)
    except FileNotFoundError:
        current_app.logger.error("Pièce jointe %s absente du stockage", attachment.id)
        abort(404)
    name = download_name(attachment.filename, attachment.content_type)
    content_type = attachment.content_type
    log_activity(DOWNLOADED, target=attachment, detail=detail)
    db.session.commit()
    response = send_file(
        content,
        mimetype=content_type,
        as_attachment=True,
        download_name=name,
        conditional=False,
        etag=False,
        last_modified=None,
        max_age=None,
    )
    response.content_length = os.fstat(content.fileno()).st_size
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    return response


def client_attachment_documents(client_id: int) -> list:
    """The files of the client's tickets that the client may see, for "all my documents".

    Named ``tickets/<ticket>/<id>-<name>`` in the archive; internal notes' files stay out.
    """
    rows = db.session.execute(
        sa.select(
            TicketAttachment.id,
            TicketAttachment.ticket_id,
            TicketAttachment.filename,
            TicketAttachment.stored_name,
            TicketAttachment.created_at,
        )
        .join(TicketMessage, TicketMessage.id == TicketAttachment.message_id)
        .where(TicketAttachment.client_id == client_id, TicketMessage.kind != KIND_NOTE)
        .order_by(TicketAttachment.id)
    ).all()
    return [
        Document(
            name=f"tickets/{row.ticket_id}/{row.id}-{row.filename}",
            open=lambda stored=row.stored_name: file_store.open(stored),
            made_at=row.created_at,
        )
        for row in rows
    ]
