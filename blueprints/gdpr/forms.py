"""Forms of the data-rights area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectField

from models.data_rights import STATUSES
from web.forms import CleanForm


class RequestStatusForm(CleanForm):
    status = SelectField(
        _l("Nouveau statut"),
        choices=[SelectChoice(code, label) for code, label in STATUSES.items()],
        invalid_choice_message=_l("Choisissez un statut dans la liste."),
    )
