"""services.i18n: the catalogue kept per context gives the same texts as Flask-Babel's calls."""

from __future__ import annotations

import flask_babel

from services import i18n

EN = {"Accept-Language": "en-GB,en;q=0.9"}
FR = {"Accept-Language": "fr-FR,fr;q=0.9"}


def test_each_request_is_translated_in_its_own_language(app):
    with app.test_request_context("/", headers=EN):
        assert i18n.gettext("Se déconnecter") == "Sign out"
    with app.test_request_context("/", headers=FR):
        assert i18n.gettext("Se déconnecter") == "Se déconnecter"


def test_the_kept_catalogue_is_flask_babels_own(app):
    with app.test_request_context("/", headers=EN):
        assert i18n.catalogue() is flask_babel.get_translations()
        assert i18n.gettext("Langue") == flask_babel.gettext("Langue")


def test_force_locale_translates_inside_the_block_only(app):
    with app.test_request_context("/", headers=EN):
        assert i18n.gettext("Langue") == "Language"
        with i18n.force_locale("fr"):
            assert i18n.gettext("Langue") == "Langue"
            assert str(i18n.lazy_gettext("Langue")) == "Langue"
        assert i18n.gettext("Langue") == "Language"


def test_plural_forms_and_variables(app):
    with app.test_request_context("/", headers=FR):
        one = i18n.ngettext("%(num)d jour après l'événement", "%(num)d jours après l'événement", 1)
        many = i18n.ngettext("%(num)d jour après l'événement", "%(num)d jours après l'événement", 3)
        assert (one, many) == ("1 jour après l'événement", "3 jours après l'événement")
        assert i18n.gettext("%(name)s", name="<b>") == "<b>"  # escaping is the template's job


def test_a_lazy_label_follows_the_language_of_the_request_that_shows_it(app):
    label = i18n.lazy_gettext("Langue")
    with app.test_request_context("/", headers=EN):
        assert str(label) == "Language"
    with app.test_request_context("/", headers=FR):
        assert str(label) == "Langue"


def test_without_an_application_context_the_text_is_returned_untranslated():
    assert i18n.gettext("Langue") == "Langue"
    assert i18n.gettext("%(n)s jours", n=3) == "3 jours"


def test_amounts_are_written_as_the_reader_writes_them(app):
    from decimal import Decimal

    with app.test_request_context("/", headers=FR):
        french = i18n.format_currency(Decimal("1234.5"), "EUR")
    with app.test_request_context("/", headers=EN):
        english = i18n.format_currency(Decimal("1234.5"), "EUR")
    assert french.replace("\u202f", " ").replace("\xa0", " ") == "1 234,50 €"
    assert english == "€1,234.50"
