"""Forms of invoices and payments: amounts typed the French way (``1 234,50``), kept as typed."""

from __future__ import annotations

from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from blueprints.invoices.rules import format_rate
from models.invoice import (
    DESCRIPTION_MAX,
    NOTE_MAX,
    OPERATION_CATEGORIES,
    PAYMENT_METHODS,
    REFERENCE_MAX,
    VAT_RATES,
)
from services.i18n import lazy_gettext as _l
from web.forms import CleanForm, PlausibleDate, control_problem
from web.number_fields import AmountField, Between, PercentField, QuantityField

MAX_CENTS = 100_000_000_00  # a hundred million euros: beyond, a typing slip
MAX_THOUSANDTHS = 1_000_000_000  # a million units
BLANK_LINES = 3  # empty lines offered under the filled ones
MIN_LINES = 5
MAX_LINES = 100


def _too_long(limit: int):
    return Length(max=limit, message=_l("%(max)d caractères au plus.", max=limit))


def no_control_characters(form, field):
    problem = control_problem(field)
    if problem:
        raise ValidationError(problem)


class LineForm(Form):
    """One line of an invoice; a line left entirely empty is ignored."""

    description = StringField(
        _l("Désignation"), validators=[_too_long(DESCRIPTION_MAX), no_control_characters]
    )
    quantity = QuantityField(
        _l("Quantité"),
        validators=[Between(1, MAX_THOUSANDTHS, _l("Une quantité entre 0,001 et 1 000 000."))],
    )
    unit_price = AmountField(
        _l("Prix unitaire HT (€)"),
        validators=[Between(0, MAX_CENTS, _l("Un prix entre 0 et 100 000 000 €."))],
    )
    vat_rate = SelectField(
        _l("TVA"),
        coerce=int,
        choices=[SelectChoice(rate, format_rate(rate)) for rate in VAT_RATES],
        default=VAT_RATES[0],
        invalid_value_message=_l("Choisissez un taux de TVA dans la liste."),
        invalid_choice_message=_l("Choisissez un taux de TVA dans la liste."),
    )
    discount = PercentField(
        _l("Remise (%)"),
        validators=[Between(0, 10_000, _l("Une remise entre 0 et 100 %."))],
    )

    def is_blank(self) -> bool:
        return not any(
            (field.raw_data and (field.raw_data[0] or "").strip())
            for field in (self.description, self.quantity, self.unit_price, self.discount)
        )

    def validate(self, extra_validators=None) -> bool:
        if self.is_blank():
            for field in self:
                field.errors = []
            return True
        valid = super().validate(extra_validators)
        for field, message in (
            (self.description, _l("Décrivez la ligne.")),
            (self.quantity, _l("Indiquez la quantité.")),
            (self.unit_price, _l("Indiquez le prix unitaire.")),
        ):
            empty = field.data is None or (isinstance(field.data, str) and not field.data.strip())
            if empty and not field.errors:
                field.errors = [*field.errors, str(message)]
                valid = False
        return valid


class InvoiceForm(CleanForm):
    """A draft invoice or credit note: its dates, its category of operation, its lines."""

    service_date = DateField(
        _l("Date de la prestation ou de la vente"),
        validators=[Optional(), PlausibleDate()],
        invalid_value_message=_l("Saisissez une date valide."),
        description=_l("Vide : la date d'émission."),
    )
    operation_category = SelectField(
        _l("Catégorie de l'opération"),
        choices=[SelectChoice(code, label) for code, label in OPERATION_CATEGORIES.items()],
        invalid_choice_message=_l("Choisissez une catégorie dans la liste."),
    )
    note = TextAreaField(
        _l("Note imprimée sur la facture"), validators=[Optional(), _too_long(NOTE_MAX)]
    )
    lines = FieldList(FormField(LineForm), min_entries=MIN_LINES, max_entries=MAX_LINES)

    def filled_lines(self) -> list[LineForm]:
        return [entry.form for entry in self.lines if not entry.form.is_blank()]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and not self.filled_lines():
            self.lines.errors = [str(_l("Ajoutez au moins une ligne."))]
            self.form_errors.append(str(_l("Ajoutez au moins une ligne.")))
            return False
        return valid


class PaymentForm(CleanForm):
    """A payment received for an invoice."""

    paid_on = DateField(
        _l("Date du paiement"),
        validators=[DataRequired(_l("Indiquez la date du paiement.")), PlausibleDate()],
        invalid_value_message=_l("Saisissez une date valide."),
    )
    amount = AmountField(
        _l("Montant (€)"),
        validators=[
            DataRequired(_l("Indiquez le montant reçu.")),
            Between(1, MAX_CENTS, _l("Un montant entre 0,01 et 100 000 000 €.")),
        ],
    )
    method = SelectField(
        _l("Moyen de paiement"),
        choices=[SelectChoice(code, label) for code, label in PAYMENT_METHODS.items()],
        invalid_choice_message=_l("Choisissez un moyen de paiement dans la liste."),
    )
    reference = StringField(
        _l("Référence"),
        validators=[Optional(), _too_long(REFERENCE_MAX)],
        description=_l("Numéro de chèque, libellé du virement…"),
    )
