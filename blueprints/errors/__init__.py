"""Error pages in French, as full pages or as htmx fragments."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    g,
    has_request_context,
    make_response,
    render_template,
    request,
)
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException, InternalServerError

from models import db
from services.file_store import FileStoreUnavailable
from services.i18n import gettext as _
from services.i18n import lazy_gettext as _l
from services.uploads import format_size
from web.htmx import is_fragment_request
from web.limits import retry_after_seconds

bp = Blueprint("errors", __name__)

TITLES = {
    400: _l("Requête invalide"),
    401: _l("Connexion requise"),
    403: _l("Accès refusé"),
    404: _l("Page introuvable"),
    405: _l("Méthode non autorisée"),
    413: _l("Fichier ou envoi trop volumineux"),
    422: _l("Données invalides"),
    429: _l("Trop de tentatives"),
    500: _l("Erreur interne"),
    503: _l("Service momentanément indisponible"),
}
EXPLANATIONS = {
    400: _l("La demande n'a pas pu être comprise. Rechargez la page et réessayez."),
    401: _l("Connectez-vous pour accéder à cette page."),
    403: _l("Vous n'avez pas accès à cette page."),
    404: _l("Cette page n'existe pas ou n'est plus disponible."),
    405: _l("Cette adresse ne s'utilise pas de cette façon."),
    413: _l("L'envoi dépasse la taille autorisée. Réduisez la taille du fichier et réessayez."),
    422: _l("Certaines données ne sont pas valides. Corrigez-les et réessayez."),
    429: _l("Vous avez fait trop de tentatives. Patientez quelques minutes avant de réessayer."),
    500: _l("Une erreur inattendue s'est produite. L'équipe technique en est informée."),
}


def into_messages(response):
    """An htmx error fragment goes into the page's messages; the form stays as typed."""
    response.headers["HX-Retarget"] = "#messages"
    response.headers["HX-Reswap"] = "innerHTML"
    return response


def error_response(status: int, message=None, error_id: str | None = None):
    """The French error page for ``status``, or its fragment for an htmx request."""
    context = {
        "status": status,
        "title": TITLES.get(status, TITLES[500]),
        "message": message or EXPLANATIONS.get(status, EXPLANATIONS[500]),
        "error_id": error_id,
    }
    if is_fragment_request():
        response = into_messages(
            make_response(render_template("errors/_error.html", **context), status)
        )
    else:
        response = make_response(render_template("errors/error.html", **context), status)
    return response


@bp.app_errorhandler(CSRFError)
def csrf_error(error):
    """An expired or missing form token: say so plainly."""
    return error_response(
        400, _l("Le formulaire a expiré. Rechargez la page et envoyez-le à nouveau.")
    )


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException):
    """Any HTTP error the app raises (404, 405, 413, 429...)."""
    if error.code is None or error.code < 400:
        return error
    if error.code >= 500:
        return server_error(error)
    response = error_response(error.code, too_large_message() if error.code == 413 else None)
    if error.code == 405 and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    if error.code == 429:
        response.headers["Retry-After"] = str(retry_after_seconds())
    return response


def too_large_message() -> str:
    """What a sender whose request was too large must do, with the limits of attachments."""
    config = current_app.config
    return _(
        "L'envoi dépasse la taille autorisée : %(count)d fichiers de %(size)s au plus. "
        "Revenez à la page précédente (bouton Retour du navigateur) pour retrouver votre "
        "texte, retirez ou allégez des fichiers, puis envoyez à nouveau.",
        count=config["TICKET_ATTACHMENT_MAX_FILES"],
        size=format_size(config["TICKET_ATTACHMENT_MAX_BYTES"]),
    )


# Raised when the database does not answer (down, restarting, unreachable, locked past the busy
# timeout): a passing outage, not a bug. Dead connections are replaced (app.ping_when_idle), so the
# app recovers by itself once the database is back.
DATABASE_UNAVAILABLE = (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError)
RETRY_AFTER_S = 30
_SAVED = "_database_saved"  # g key: "unknown" while a commit runs, "yes" once one succeeded


def _commit_starts(session) -> None:
    if has_request_context() and g.get(_SAVED) != "yes":
        setattr(g, _SAVED, "unknown")


def _commit_ends(session) -> None:
    if has_request_context():
        setattr(g, _SAVED, "yes")


_COMMIT_LISTENERS = (("before_commit", _commit_starts), ("after_commit", _commit_ends))


def _end_session(exception) -> None:
    """End the request's database session; a connection lost meanwhile is dropped, not raised.

    Flask-SQLAlchemy ends it too, with a rollback that raises when the database went away
    during the request: the visitor, who already has the 503 page, would get a broken answer.
    Registered after Flask-SQLAlchemy, this runs first (teardowns run in reverse order).
    """
    try:
        db.session.remove()
    except DATABASE_UNAVAILABLE as error:
        reason = getattr(error, "orig", None) or error
        current_app.logger.warning(
            "Fin de session sur une base injoignable : %s %.200s", type(reason).__name__, reason
        )
        db.session.registry.clear()  # SQLAlchemy has invalidated the connection


@bp.record_once
def _end_sessions_quietly(state) -> None:
    state.app.teardown_appcontext(_end_session)


@bp.record_once
def _listen_for_commits(state) -> None:
    """Know whether a request saved something before the database went away.

    A connection cut during COMMIT leaves the outcome unknown (the server may have committed
    before the answer was lost): the outage page then says so instead of "nothing saved".
    """
    for name, listener in _COMMIT_LISTENERS:
        if not sa.event.contains(Session, name, listener):
            sa.event.listen(Session, name, listener)


def database_unavailable(error):
    """The French 503 page (or fragment) of a database outage; nothing of the request is kept."""
    try:
        db.session.rollback()
    except sa.exc.SQLAlchemyError:
        db.session.close()
    reason = getattr(error, "orig", None) or error
    # The driver's message (never the statement nor its parameters): what operations need.
    current_app.logger.warning(
        "Base de données injoignable : %s %.200s", type(reason).__name__, reason
    )
    # Rendered without the context processors: they read the signed-in account from the
    # database that does not answer.
    fragment = is_fragment_request()
    template = current_app.jinja_env.get_template(
        "errors/_unavailable.html" if fragment else "errors/unavailable.html"
    )
    saved = g.get(_SAVED, "no")
    page = template.render(config=current_app.config, request=request, saved=saved)
    response = make_response(page, 503)
    if fragment:
        into_messages(response)
    response.headers["Retry-After"] = str(RETRY_AFTER_S)
    response.headers["Cache-Control"] = "no-store"
    return response


for _error in DATABASE_UNAVAILABLE:
    bp.app_errorhandler(_error)(database_unavailable)


@bp.app_errorhandler(FileStoreUnavailable)
def file_store_unavailable(error):
    """The file store cannot be written: say so, keep nothing of the request, alert the team."""
    db.session.rollback()
    current_app.logger.error("Stockage des fichiers impossible : %s", error)
    response = error_response(
        503,
        _l(
            "Vos fichiers n'ont pas pu être enregistrés pour l'instant, et rien de cet envoi n'a "
            "été conservé. L'équipe technique est prévenue : réessayez plus tard, ou envoyez "
            "votre message sans pièce jointe."
        ),
    )
    response.headers["Retry-After"] = str(RETRY_AFTER_S)
    return response


@bp.app_errorhandler(Exception)
def server_error(error):
    """An unexpected failure: roll back, log with an id, show the id and no trace."""
    original = getattr(error, "original_exception", None) or error
    if isinstance(original, DATABASE_UNAVAILABLE):
        return database_unavailable(original)
    db.session.rollback()
    error_id = uuid.uuid4().hex[:12]
    if not isinstance(original, InternalServerError):
        current_app.logger.error(
            "Erreur %s", error_id, exc_info=(type(original), original, original.__traceback__)
        )
    return error_response(500, error_id=error_id)
