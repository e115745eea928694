"""Translation callables of the templates and the menu kept per language and page."""

from __future__ import annotations

import pytest
from flask import render_template_string

from web.navigation import menu_items

EN = {"Accept-Language": "en-GB,en;q=0.9"}
FR = {"Accept-Language": "fr-FR,fr;q=0.9"}


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (FR, "Bonjour &lt;b&gt;Zoé&lt;/b&gt; · 1 licence · 3 licences"),
        (EN, "Hello &lt;b&gt;Zoé&lt;/b&gt; · 1 licence · 3 licences"),
    ],
)
def test_template_translations_escape_their_arguments_and_count(app, headers, expected):
    source = (
        '{{ _("Bonjour %(name)s", name="<b>Zoé</b>") }} · '
        '{{ ngettext("%(num)d licence", "%(num)d licences", 1) }} · '
        '{{ ngettext("%(num)d licence", "%(num)d licences", 3) }}'
    )
    with app.test_request_context("/", headers=headers):
        assert render_template_string(source) == expected


@pytest.mark.parametrize(("headers", "language"), [(FR, "Langue"), (EN, "Language")])
def test_texts_without_arguments_render_the_same_every_time(app, headers, language):
    """Kept once formatted: "%%" still gives "%", and each language keeps its own."""
    source = '{{ _("Langue") }} · {{ _("100 %%") }} · {{ _("<b>") }}'
    with app.test_request_context("/", headers=headers):
        first = render_template_string(source)
        assert render_template_string(source) == first == f"{language} · 100 % · <b>"


def test_menu_marks_the_current_page_in_the_visitor_language(app):
    with app.test_request_context("/", headers=FR):
        home = menu_items()
        home[0]["label"] = "changed by a template"  # must not leak into the next page
    with app.test_request_context("/auth/login", headers=FR):
        login = menu_items()
    with app.test_request_context("/auth/login", headers=EN):
        english = menu_items()
    assert [item["current"] for item in home][:2] == [True, False]
    assert [item["current"] for item in login][:2] == [False, True]
    assert login[0]["label"] == "Accueil"
    assert english[1]["label"] == "Sign in"


@pytest.mark.parametrize(("headers", "number"), [(FR, "n°"), (EN, "no.")])
def test_translations_inside_loops_and_blocks_use_the_loop_variables(app, headers, number):
    """``_`` takes the evaluation context: inside a loop it still sees the loop's variables,
    escapes them, and follows the request's language."""
    source = (
        '{% for n in ["1", "<2>"] %}{% set shown = n %}'
        '{{ _("n° %(number)s", number=shown) }};{% endfor %}'
    )
    with app.test_request_context("/", headers=headers):
        rendered = render_template_string(source)
    assert rendered == f"{number} 1;{number} &lt;2&gt;;"
