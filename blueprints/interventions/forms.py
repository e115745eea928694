"""Forms of interventions."""

from __future__ import annotations

from wtforms import (
    DateTimeLocalField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from blueprints.interventions.rules import format_duration, parse_duration
from models.intervention import DESCRIPTION_MAX, KINDS, REPORT_MAX, STATUSES
from services.i18n import lazy_gettext as _l
from web.forms import DATETIME_FORMATS, AppForm, CleanForm, MultiCheckboxField, PlausibleDate

NO_TECHNICIAN = 0


class DurationField(StringField):
    """Time spent, typed as minutes (``90``) or hours and minutes (``1:30``, ``1h30``)."""

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return format_duration(self.data)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = parse_duration(valuelist[0])
        except ValueError as exc:
            self.data = None
            raise ValueError(
                _l("Durée illisible : saisissez des minutes (90) ou heures:minutes (1:30).")
            ) from exc


class InterventionForm(CleanForm):
    starts_at = DateTimeLocalField(
        _l("Date et heure"),
        format=DATETIME_FORMATS,
        # InputRequired, not DataRequired: the latter would hide "invalid date" behind "missing".
        validators=[
            InputRequired(_l("Indiquez la date et l'heure de l'intervention.")),
            PlausibleDate(),
        ],
        invalid_value_message=_l("Date et heure invalides (jj/mm/aaaa hh:mm)."),
        description=_l("Heure de Paris."),
    )
    kind = SelectField(
        _l("Type d'intervention"),
        choices=[SelectChoice(code, label) for code, label in KINDS.items()],
        invalid_choice_message=_l("Choisissez un type dans la liste."),
    )
    device_ids = MultiCheckboxField(
        _l("Équipements concernés"),
        coerce=int,
        invalid_choice_message=_l("Choisissez des équipements de ce client."),
    )
    description = TextAreaField(
        _l("Description"),
        validators=[
            DataRequired(_l("Décrivez la demande ou le problème.")),
            Length(max=DESCRIPTION_MAX, message=_l("%(max)d caractères au plus.")),
        ],
    )
    technician_id = SelectField(
        _l("Technicien"),
        coerce=int,
        default=NO_TECHNICIAN,
        invalid_value_message=_l("Choisissez un technicien dans la liste."),
        invalid_choice_message=_l("Choisissez un technicien dans la liste."),
    )
    minutes_spent = DurationField(
        _l("Temps passé"),
        validators=[
            Optional(),
            NumberRange(0, 100000, _l("Une durée entre 0 et 100 000 minutes.")),
        ],
        description=_l("En minutes (90) ou heures:minutes (1:30)."),
    )
    status = SelectField(
        _l("Statut"),
        choices=[SelectChoice(code, label) for code, label in STATUSES.items()],
        invalid_choice_message=_l("Choisissez un statut dans la liste."),
    )
    ended_at = DateTimeLocalField(
        _l("Date de fin"),
        format=DATETIME_FORMATS,
        validators=[Optional(), PlausibleDate()],
        invalid_value_message=_l("Date et heure invalides (jj/mm/aaaa hh:mm)."),
        description=_l(
            "Heure de Paris. Laissée vide, elle prend l'heure où l'intervention passe à « Terminée »."
        ),
    )
    report = TextAreaField(
        _l("Compte rendu pour le client"),
        validators=[
            Optional(),
            Length(max=REPORT_MAX, message=_l("%(max)d caractères au plus.")),
        ],
        description=_l(
            "Visible par le client. Mise en forme simple permise (gras, italique, listes, "
            "liens) ; tout le reste est retiré."
        ),
    )

    def __init__(self, *args, device_choices=(), technician_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.device_ids.choices = [SelectChoice(v, label) for v, label in device_choices]
        self.technician_id.choices = [SelectChoice(NO_TECHNICIAN, _l("Non attribué"))] + [
            SelectChoice(v, label) for v, label in technician_choices
        ]


class StatusForm(AppForm):
    status = SelectField(
        _l("Nouveau statut"),
        choices=[SelectChoice(code, label) for code, label in STATUSES.items()],
        invalid_choice_message=_l("Choisissez un statut dans la liste."),
    )
