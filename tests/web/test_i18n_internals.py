"""The library internals the i18n speed-ups rest on: if one changes, these fail, loudly.

web/i18n.py (1) hands Flask-WTF the request's WTForms catalogue on
``request.wtforms_translations``, an attribute Flask-WTF reads but does not document, and (2)
builds the templates' ``_()`` once per catalogue, which is cheap only while Flask-Babel keeps
one catalogue object per language. pyproject.toml bounds both libraries to the versions these
tests passed on: before raising a bound, run them on the new version.
"""

from __future__ import annotations

from importlib.metadata import version

import pytest
from babel import support
from flask import request
from flask_babel import get_translations
from flask_wtf import i18n as flask_wtf_i18n
from packaging.requirements import Requirement
from wtforms import StringField
from wtforms.validators import DataRequired

from tests.fixtures.config import ROOT
from web import i18n
from web.forms import AppForm

EN = {"Accept-Language": "en-GB,en;q=0.9"}
FR = {"Accept-Language": "fr-FR,fr;q=0.9"}


class Marked(support.Translations):
    """A catalogue that marks every message it translates."""

    def gettext(self, message):
        return f"[marked] {message}"

    def ngettext(self, singular, plural, n):
        return f"[marked] {singular if n == 1 else plural}"

    # Flask-WTF calls Babel's old names.
    ugettext = gettext
    ungettext = ngettext


class OneField(AppForm):
    name = StringField("Nom", validators=[DataRequired()])


def test_flask_wtf_reads_the_catalogue_the_app_puts_on_the_request(app):
    with app.test_request_context("/", method="POST", data={}):
        marked = Marked()
        setattr(request, i18n.WTFORMS_TRANSLATIONS_ATTRIBUTE, marked)
        assert flask_wtf_i18n._get_translations() is marked, "Flask-WTF no longer reads it"
        form = OneField(meta={"csrf": False})
        assert not form.validate()
        assert form.name.errors == ["[marked] This field is required."]


@pytest.mark.parametrize(("headers", "message"), [(FR, "Ce champ est requis."), (EN, None)])
def test_the_wtforms_catalogue_is_loaded_once_per_language(app, headers, message):
    catalogues = []
    for _ in range(2):
        with app.test_request_context("/auth/login", method="POST", data={}, headers=headers):
            app.preprocess_request()
            catalogues.append(getattr(request, i18n.WTFORMS_TRANSLATIONS_ATTRIBUTE))
            form = OneField(meta={"csrf": False})
            form.validate()
            assert form.name.errors == [message or "This field is required."]
    assert catalogues[0] is catalogues[1]


@pytest.mark.parametrize("headers", [FR, EN])
def test_flask_babel_keeps_one_catalogue_per_language(app, headers):
    seen = []
    for _ in range(2):
        with app.test_request_context("/", headers=headers):
            translations = get_translations()
            callables = i18n._template_i18n()
            seen.append((translations, callables["gettext"], callables["ngettext"]))
    assert seen[0][0] is seen[1][0], "Flask-Babel made a new catalogue for the same language"
    assert seen[0][1:] == seen[1][1:]  # the template callables were made once
    assert isinstance(seen[0][0], support.Translations)


def test_the_catalogues_of_two_languages_are_not_mixed(app):
    with app.test_request_context("/", headers=EN):
        english = i18n._template_i18n()["gettext"]
    with app.test_request_context("/", headers=FR):
        french = i18n._template_i18n()["gettext"]
    assert english is not french


@pytest.mark.parametrize("name", ["Flask-WTF", "Flask-Babel"])
def test_the_libraries_relied_on_are_bounded_and_within_their_bounds(name):
    import tomllib

    pyproject = ROOT / "pyproject.toml"
    dependencies = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    requirement = next(Requirement(d) for d in dependencies if Requirement(d).name == name)
    assert any(spec.operator == "<" for spec in requirement.specifier), (
        f"{name} needs an upper bound"
    )
    assert requirement.specifier.contains(version(name)), f"{name} {version(name)} not checked"
