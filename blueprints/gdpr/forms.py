"""Forms of the data-rights area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from models.data_rights import STATUSES
from models.retention import REASON_MAX
from web.forms import CleanForm


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
