"""Forms of contracts: the terms an admin sets, and the filters of the admins' list."""

from __future__ import annotations

from wtforms import DateField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from blueprints.contracts.rules import MAX_TERM_MONTHS
from models.contract import BILLING_PERIODS, KINDS, NOTES_MAX, RENEWALS, TITLE_MAX
from models.invoice import VAT_RATES
from services.i18n import lazy_gettext as _l
from web.forms import CleanForm, PlausibleDate
from web.number_fields import AmountField, Between

MAX_CENTS = 10_000_000_00


def _rate_label(basis_points: int) -> str:
    return f"{basis_points / 100:g}".replace(".", ",") + "\u00a0%"


class ContractForm(CleanForm):
    """A contract or subscription of a client, and how it renews."""

    kind = SelectField(
        _l("Type"),
        choices=[SelectChoice(code, label) for code, label in KINDS.items()],
        invalid_choice_message=_l("Choisissez un type dans la liste."),
    )
    title = StringField(
        _l("Intitulé"),
        validators=[
            DataRequired(_l("Donnez un intitulé au contrat.")),
            Length(max=TITLE_MAX, message=_l("%(max)d caractères au plus.", max=TITLE_MAX)),
        ],
        description=_l("Par exemple : Maintenance du parc informatique."),
    )
    starts_on = DateField(
        _l("Date de début"),
        validators=[DataRequired(_l("Indiquez la date de début.")), PlausibleDate()],
        invalid_value_message=_l("Saisissez une date valide."),
    )
    term_months = IntegerField(
        _l("Durée d'une période (mois)"),
        default=12,
        render_kw={"min": 1, "max": MAX_TERM_MONTHS, "inputmode": "numeric"},
        validators=[
            DataRequired(_l("Indiquez la durée en mois.")),
            NumberRange(
                1,
                MAX_TERM_MONTHS,
                _l("Une durée entre 1 et %(max)d mois.", max=MAX_TERM_MONTHS),
            ),
        ],
    )
    billing_months = SelectField(
        _l("Facturation"),
        coerce=int,
        default=12,
        choices=[SelectChoice(months, label) for months, label in BILLING_PERIODS.items()],
        invalid_value_message=_l("Choisissez une périodicité dans la liste."),
        invalid_choice_message=_l("Choisissez une périodicité dans la liste."),
    )
    price = AmountField(
        _l("Prix HT par période de facturation (€)"),
        render_kw={"inputmode": "decimal"},
        validators=[
            InputRequired(_l("Indiquez le prix.")),
            Between(0, MAX_CENTS, _l("Un prix entre 0 et 10 000 000 €.")),
        ],
    )
    vat_rate = SelectField(
        _l("TVA"),
        coerce=int,
        default=VAT_RATES[0],
        choices=[SelectChoice(rate, _rate_label(rate)) for rate in VAT_RATES],
        invalid_value_message=_l("Choisissez un taux de TVA dans la liste."),
        invalid_choice_message=_l("Choisissez un taux de TVA dans la liste."),
    )
    renewal = SelectField(
        _l("Renouvellement"),
        choices=[SelectChoice(code, label) for code, label in RENEWALS.items()],
        invalid_choice_message=_l("Choisissez un mode de renouvellement dans la liste."),
    )
    notice_days = IntegerField(
        _l("Préavis de non-reconduction (jours)"),
        default=30,
        render_kw={"min": 0, "inputmode": "numeric"},
        validators=[
            Optional(),
            NumberRange(0, 3650, _l("Un préavis entre 0 et 3 650 jours.")),
        ],
        description=_l(
            "Le client refuse la reconduction au plus tard ce nombre de jours avant l'échéance."
        ),
    )
    notes = TextAreaField(
        _l("Notes"),
        validators=[
            Optional(),
            Length(max=NOTES_MAX, message=_l("%(max)d caractères au plus.", max=NOTES_MAX)),
        ],
    )

    def values(self) -> dict:
        """The contract's columns from the form (once it validated)."""
        return {
            "kind": self.kind.data,
            "title": self.title.data.strip(),
            "starts_on": self.starts_on.data,
            "term_months": self.term_months.data,
            "billing_months": self.billing_months.data,
            "price_cents": self.price.data,
            "vat_rate_bp": self.vat_rate.data,
            "renewal": self.renewal.data,
            "notice_days": self.notice_days.data if self.notice_days.data is not None else 0,
            "notes": (self.notes.data or "").strip() or None,
        }
