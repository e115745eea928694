"""Forms of the data-rights area."""

from __future__ import annotations

from wtforms import (
    DateTimeLocalField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from models.breach import NATURES, RISK, RISKS
from models.breach import TEXT_MAX as BREACH_TEXT_MAX
from models.data_rights import STATUSES
from models.register import LEGAL_BASES, NAME_MAX, PURPOSE_MAX
from models.register import TEXT_MAX as REGISTER_TEXT_MAX
from models.retention import REASON_MAX
from services.i18n import lazy_gettext as _l
from web.forms import DATETIME_FORMATS, CleanForm, MultiCheckboxField, PlausibleDate


class RequestStatusForm(CleanForm):
    status = SelectField(
        _l("Nouveau statut"),
        choices=[SelectChoice(code, label) for code, label in STATUSES.items()],
        invalid_choice_message=_l("Choisissez un statut dans la liste."),
    )


class LegalHoldForm(CleanForm):
    """Why a client's data must be kept past their retention period."""

    reason = TextAreaField(
        _l("Motif"),
        validators=[
            DataRequired(_l("Indiquez le motif de la conservation.")),
            Length(max=REASON_MAX, message=_l("%(max)d caractères au plus.", max=REASON_MAX)),
        ],
        description=_l("Par exemple : litige sur la facture 2026-00042, réquisition judiciaire."),
    )


class RestrictionForm(CleanForm):
    """Why a client's processing is restricted (GDPR art. 18)."""

    reason = TextAreaField(
        _l("Motif"),
        validators=[
            DataRequired(_l("Indiquez le motif de la limitation.")),
            Length(max=REASON_MAX, message=_l("%(max)d caractères au plus.", max=REASON_MAX)),
        ],
        description=_l(
            "Par exemple : le client conteste l'exactitude de ses données ; demande du client "
            "reçue par ticket."
        ),
    )


class BreachForm(CleanForm):
    """An incident of the breach register; dates and times in Paris time."""

    detected_at = DateTimeLocalField(
        _l("Détectée le"),
        format=DATETIME_FORMATS,
        validators=[
            InputRequired(_l("Indiquez quand la violation a été détectée.")),
            PlausibleDate(),
        ],
        invalid_value_message=_l("Date et heure invalides (jj/mm/aaaa hh:mm)."),
        description=_l("Heure de Paris. Le délai de 72 heures pour notifier la CNIL part de là."),
    )
    occurred_at = DateTimeLocalField(
        _l("Survenue le (si connu)"),
        format=DATETIME_FORMATS,
        validators=[Optional(), PlausibleDate()],
        invalid_value_message=_l("Date et heure invalides (jj/mm/aaaa hh:mm)."),
    )
    natures = MultiCheckboxField(
        _l("Nature"),
        choices=[SelectChoice(code, label) for code, label in NATURES.items()],
        validators=[DataRequired(_l("Cochez au moins une nature de violation."))],
        invalid_choice_message=_l("Choisissez dans la liste."),
    )
    description = TextAreaField(
        _l("Ce qui s'est passé"),
        validators=[
            DataRequired(_l("Décrivez la violation.")),
            Length(
                max=BREACH_TEXT_MAX, message=_l("%(max)d caractères au plus.", max=BREACH_TEXT_MAX)
            ),
        ],
    )
    data_categories = TextAreaField(
        _l("Données concernées"),
        validators=[
            DataRequired(_l("Indiquez les catégories de données concernées.")),
            Length(
                max=BREACH_TEXT_MAX, message=_l("%(max)d caractères au plus.", max=BREACH_TEXT_MAX)
            ),
        ],
        description=_l("Par exemple : adresses e-mail et téléphones des clients."),
    )
    persons_count = IntegerField(
        _l("Nombre approximatif de personnes concernées"),
        default=0,
        validators=[
            InputRequired(_l("Indiquez un nombre, même approximatif (0 si inconnu).")),
            NumberRange(0, 10_000_000, _l("Un nombre entre 0 et 10 000 000.")),
        ],
        render_kw={"min": 0, "inputmode": "numeric"},
    )
    persons_description = TextAreaField(
        _l("Personnes concernées"),
        validators=[Optional(), Length(max=BREACH_TEXT_MAX)],
        description=_l("Par exemple : clients particuliers ayant ouvert un ticket en mars."),
    )
    consequences = TextAreaField(
        _l("Conséquences probables"), validators=[Optional(), Length(max=BREACH_TEXT_MAX)]
    )
    measures = TextAreaField(
        _l("Mesures prises ou envisagées"), validators=[Optional(), Length(max=BREACH_TEXT_MAX)]
    )
    risk = SelectField(
        _l("Risque pour les personnes"),
        choices=[SelectChoice(code, label) for code, label in RISKS.items()],
        default=RISK,
        invalid_choice_message=_l("Choisissez un niveau de risque dans la liste."),
    )
    cnil_notified_at = DateTimeLocalField(
        _l("Notifiée à la CNIL le"),
        format=DATETIME_FORMATS,
        validators=[Optional(), PlausibleDate()],
        invalid_value_message=_l("Date et heure invalides (jj/mm/aaaa hh:mm)."),
    )
    persons_informed_at = DateTimeLocalField(
        _l("Personnes informées le"),
        format=DATETIME_FORMATS,
        validators=[Optional(), PlausibleDate()],
        invalid_value_message=_l("Date et heure invalides (jj/mm/aaaa hh:mm)."),
    )
    reason_not_notified = TextAreaField(
        _l("Pourquoi ne pas notifier ou ne pas informer"),
        validators=[Optional(), Length(max=BREACH_TEXT_MAX)],
        description=_l(
            "Obligatoire si la CNIL n'est pas notifiée, ou si un risque élevé n'est pas porté à la connaissance des personnes."
        ),
    )
    closed_at = DateTimeLocalField(
        _l("Clôturée le"),
        format=DATETIME_FORMATS,
        validators=[Optional(), PlausibleDate()],
        invalid_value_message=_l("Date et heure invalides (jj/mm/aaaa hh:mm)."),
    )


def _register_text(label, required_message, description=None):
    return TextAreaField(
        label,
        validators=[
            DataRequired(required_message),
            Length(
                max=REGISTER_TEXT_MAX,
                message=_l("%(max)d caractères au plus.", max=REGISTER_TEXT_MAX),
            ),
        ],
        description=description,
    )


class ProcessingForm(CleanForm):
    """What the register says of a processing, beyond what the software tells by itself."""

    name = StringField(
        _l("Nom du traitement"),
        validators=[
            DataRequired(_l("Donnez un nom au traitement.")),
            Length(max=NAME_MAX, message=_l("%(max)d caractères au plus.", max=NAME_MAX)),
        ],
    )
    persons = _register_text(
        _l("Personnes concernées"), _l("Indiquez les personnes dont les données sont traitées.")
    )
    recipients = _register_text(
        _l("Destinataires"),
        _l("Indiquez qui reçoit les données."),
        _l("L'hébergeur et, s'il est activé, reCAPTCHA sont ajoutés d'après la configuration."),
    )
    transfers = _register_text(
        _l("Transferts hors de l'Union européenne"),
        _l("Indiquez les transferts, ou qu'il n'y en a aucun."),
        _l("Celui de reCAPTCHA, s'il est activé, est ajouté d'après la configuration."),
    )
    security = _register_text(
        _l("Mesures de sécurité"),
        _l("Indiquez au moins une mesure de sécurité."),
        _l(
            "Une mesure par ligne. Celles que le logiciel impose (HTTPS, mots de passe, double "
            "authentification, TLS) sont ajoutées d'après la configuration."
        ),
    )


class PurposeForm(CleanForm):
    """One purpose of a processing and its legal basis."""

    purpose = StringField(
        _l("Finalité"),
        validators=[
            DataRequired(_l("Décrivez la finalité.")),
            Length(max=PURPOSE_MAX, message=_l("%(max)d caractères au plus.", max=PURPOSE_MAX)),
        ],
    )
    legal_basis = SelectField(
        _l("Base légale"),
        choices=[SelectChoice(code, label) for code, label in LEGAL_BASES.items()],
        invalid_choice_message=_l("Choisissez une base légale dans la liste."),
    )
    position = IntegerField(
        _l("Rang dans la liste"),
        default=0,
        validators=[
            InputRequired(_l("Indiquez un rang (0 pour le début de la liste).")),
            NumberRange(0, 999, _l("Un nombre entre 0 et 999.")),
        ],
        invalid_value_message=_l("Saisissez un nombre entier."),
        render_kw={"min": 0, "max": 999, "inputmode": "numeric"},
    )
