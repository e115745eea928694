"""Forms of devices and licences."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from models.device import (
    DEVICE_TYPES,
    LICENCE_KEY_MAX,
    MODEL_MAX,
    NAME_MAX,
    NOTES_MAX,
    PRODUCT_MAX,
    SERIAL_MAX,
)
from services.i18n import lazy_gettext as _l
from web.forms import CleanForm, PlausibleDate

NO_DEVICE = 0


def _too_long(limit: int):
    return Length(max=limit, message=_l("%(max)d caractères au plus.", max=limit))


class DeviceForm(CleanForm):
    name = StringField(
        _l("Nom"),
        validators=[DataRequired(_l("Donnez un nom à l'équipement.")), _too_long(NAME_MAX)],
        description=_l("Par exemple : « PC du bureau », « Imprimante de l'accueil »."),
    )
    type = SelectField(
        _l("Type"),
        choices=[SelectChoice(code, label) for code, label in DEVICE_TYPES.items()],
        default="laptop",
        invalid_choice_message=_l("Choisissez un type dans la liste."),
    )
    model = StringField(_l("Modèle"), validators=[Optional(), _too_long(MODEL_MAX)])
    serial_number = StringField(
        _l("Numéro de série"), validators=[Optional(), _too_long(SERIAL_MAX)]
    )
    clear_serial = BooleanField(_l("Effacer le numéro de série enregistré"))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), _too_long(NOTES_MAX)])


class LicenceForm(CleanForm):
    product = StringField(
        _l("Logiciel"),
        validators=[DataRequired(_l("Indiquez le logiciel.")), _too_long(PRODUCT_MAX)],
        description=_l("Par exemple : « Microsoft 365 Business », « Antivirus ESET »."),
    )
    licence_key = StringField(
        _l("Numéro de licence ou clé"), validators=[Optional(), _too_long(LICENCE_KEY_MAX)]
    )
    clear_key = BooleanField(_l("Effacer la clé enregistrée"))
    seats = IntegerField(
        _l("Nombre de postes"),
        invalid_value_message=_l("Saisissez un nombre entier."),
        validators=[
            Optional(),
            NumberRange(1, 100000, _l("Un nombre de postes entre 1 et 100 000.")),
        ],
    )
    expires_on = DateField(
        _l("Date d'expiration"),
        validators=[Optional(), PlausibleDate()],
        invalid_value_message=_l("Saisissez une date valide."),
    )
    device_id = SelectField(
        _l("Équipement lié"),
        coerce=int,
        default=NO_DEVICE,
        invalid_value_message=_l("Choisissez un équipement dans la liste."),
        invalid_choice_message=_l("Choisissez un équipement de ce client."),
    )

    def __init__(self, *args, device_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.device_id.choices = [SelectChoice(NO_DEVICE, _l("Aucun"))] + [
            SelectChoice(value, label) for value, label in device_choices
        ]
