"""Forms of tickets: the incident form with its "Sujet", replies, and the admins' controls."""

from __future__ import annotations

import re

from wtforms import (
    BooleanField,
    HiddenField,
    MultipleFileField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, ValidationError

from models.data_rights import KINDS, OTHER_KINDS
from models.ticket import (
    BODY_MAX,
    PRIORITIES,
    SAVED_REPLY_TITLE_MAX,
    STATUS_IN_PROGRESS,
    STATUS_RESOLVED,
    STATUS_WAITING_CLIENT,
    STATUSES,
    SUBJECT_CONTRACT,
    SUBJECT_ERASURE,
    SUBJECT_PERSONAL_DATA,
    SUBJECTS,
    TITLE_MAX,
)
from services.i18n import lazy_gettext as _l
from web.forms import CleanForm

NO_DEVICE = 0
NO_CONTRACT = 0
NOBODY = 0


def _too_long(limit: int):
    return Length(max=limit, message=_l("%(max)d caractères au plus.", max=limit))


def _body_field(label, required_message):
    return TextAreaField(
        label,
        validators=[DataRequired(required_message), _too_long(BODY_MAX)],
        render_kw={"rows": 8},
    )


_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def _sane_key(value):
    """The form's key as sent, or None for anything a key made here never looks like."""
    return value if isinstance(value, str) and _KEY.match(value) else None


class _Idempotent:
    """A random key carried by the form: sending it twice makes one ticket or one message.

    A key that is not one of ours is dropped (the message is then simply not deduplicated):
    the field is hidden, so an error on it could not be shown.
    """

    idempotency_key = HiddenField(filters=[_sane_key])


class NewTicketForm(_Idempotent, CleanForm):
    subject = SelectField(
        _l("Sujet"),
        choices=[SelectChoice("", _l("Choisissez le sujet de votre demande"))]
        + [SelectChoice(code, label) for code, label in SUBJECTS.items()],
        validators=[DataRequired(_l("Choisissez un sujet dans la liste."))],
        validate_choice=True,
        invalid_choice_message=_l("Choisissez un sujet dans la liste."),
    )
    data_rights_kind = SelectField(
        _l("Votre demande porte sur"),
        choices=[SelectChoice("", _l("Choisissez le droit que vous exercez"))]
        + [SelectChoice(code, KINDS[code]) for code in OTHER_KINDS],
        validate_choice=False,
    )
    erasure_understood = BooleanField(
        _l(
            "J'ai compris que mon espace client et mes données seront supprimés, et que je dois "
            "télécharger ou imprimer mes documents et factures avant la suppression."
        )
    )
    title = StringField(
        _l("Titre"),
        validators=[
            DataRequired(_l("Résumez votre demande en quelques mots.")),
            _too_long(TITLE_MAX),
        ],
        description=_l("Par exemple : « L'imprimante n'imprime plus », « Pas d'internet »."),
    )
    device_id = SelectField(
        _l("Équipement concerné"), coerce=int, default=NO_DEVICE, validate_choice=True
    )
    contract_id = SelectField(
        _l("Contrat concerné"), coerce=int, default=NO_CONTRACT, validate_choice=True
    )
    non_renewal = BooleanField(_l("Je ne souhaite pas que ce contrat soit reconduit."))
    priority = SelectField(
        _l("Priorité"),
        choices=[SelectChoice(code, label) for code, label in PRIORITIES.items()],
        default="normal",
        invalid_choice_message=_l("Choisissez une priorité dans la liste."),
    )
    body = _body_field(_l("Description"), _l("Décrivez votre demande."))
    attachments = MultipleFileField(_l("Pièces jointes"))

    def validate_data_rights_kind(self, field):
        if self.subject.data != SUBJECT_PERSONAL_DATA:
            return
        if field.data not in OTHER_KINDS:
            raise ValidationError(_l("Choisissez le droit que vous exercez."))

    def validate_non_renewal(self, field):
        if field.data and self.subject.data != SUBJECT_CONTRACT:
            raise ValidationError(
                _l("La non-reconduction se demande avec le sujet « Contrat / abonnement ».")
            )
        if field.data and self.contract_id.data == NO_CONTRACT:
            raise ValidationError(_l("Choisissez le contrat que vous ne souhaitez pas reconduire."))

    def validate_erasure_understood(self, field):
        if self.subject.data == SUBJECT_ERASURE and not field.data:
            raise ValidationError(
                _l(
                    "Cochez cette case pour confirmer que vous avez compris ce que la suppression implique."
                )
            )


class ReplyForm(_Idempotent, CleanForm):
    body = _body_field(_l("Votre message"), _l("Écrivez votre message."))
    attachments = MultipleFileField(_l("Pièces jointes"))


# What an admin's answer does to the ticket's status.
KEEP_STATUS = ""
AFTER_REPLY = {
    STATUS_WAITING_CLIENT: _l("Attendre la réponse du client"),
    STATUS_IN_PROGRESS: _l("Laisser en cours"),
    STATUS_RESOLVED: _l("Marquer comme résolu"),
}


class AdminReplyForm(ReplyForm):
    body = _body_field(_l("Réponse"), _l("Écrivez votre réponse ou votre note."))
    internal = BooleanField(_l("Note interne (invisible pour le client)"))
    status_after = SelectField(
        _l("Ensuite"),
        choices=[SelectChoice(code, label) for code, label in AFTER_REPLY.items()],
        default=STATUS_WAITING_CLIENT,
        invalid_choice_message=_l("Choisissez dans la liste."),
    )


class StatusForm(CleanForm):
    status = SelectField(
        _l("Statut"),
        choices=[SelectChoice(code, label) for code, label in STATUSES.items()],
        invalid_choice_message=_l("Choisissez un statut dans la liste."),
    )


class AssigneeForm(CleanForm):
    assignee_id = SelectField(_l("Responsable"), coerce=int, validate_choice=True)


# Bulk actions of the queue: code -> label.
BULK_ASSIGN_ME = "assign_me"
BULK_UNASSIGN = "unassign"
BULK_ASSIGN_TO = "assign:"  # followed by an admin's id; the route adds one choice per admin
BULK_ACTIONS = {
    BULK_ASSIGN_ME: _l("M'attribuer"),
    BULK_UNASSIGN: _l("Retirer le responsable"),
    **{
        f"status:{code}": _l("Statut : %(status)s", status=label)
        for code, label in STATUSES.items()
    },
}


class BulkForm(CleanForm):
    action = SelectField(
        _l("Pour les tickets cochés"),
        choices=[SelectChoice("", _l("Choisissez une action"))]
        + [SelectChoice(code, label) for code, label in BULK_ACTIONS.items()],
        validators=[DataRequired(_l("Choisissez une action."))],
        invalid_choice_message=_l("Choisissez une action dans la liste."),
    )


class SavedReplyForm(CleanForm):
    title = StringField(
        _l("Titre"),
        validators=[
            DataRequired(_l("Donnez un titre à cette réponse.")),
            _too_long(SAVED_REPLY_TITLE_MAX),
        ],
    )
    body = _body_field(_l("Texte de la réponse"), _l("Écrivez le texte de la réponse."))


class LinkInterventionForm(CleanForm):
    intervention_id = SelectField(_l("Intervention"), coerce=int, validate_choice=True)
