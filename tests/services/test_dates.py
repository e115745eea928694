"""Dates: one format per kind of place (lists, details, birth dates), from one set of filters."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest

from services.dates import DATE_FORMATS, DATETIME_FORMATS, format_when
from services.i18n import force_locale
from tests.fixtures.config import ROOT

TEMPLATES = ROOT / "templates"
FILTER_USE = re.compile(r"\|\s*(date|datetime)\b(?:\(([^)]*)\))?")


def filter_uses():
    for path in sorted(TEMPLATES.rglob("*.html")) + sorted(TEMPLATES.rglob("*.txt")):
        for match in FILTER_USE.finditer(path.read_text(encoding="utf-8")):
            yield path.relative_to(TEMPLATES), match.group(1), match.group(2)


def test_templates_name_a_kind_of_place_never_a_pattern():
    kinds = {"date": DATE_FORMATS, "datetime": DATETIME_FORMATS}
    uses = list(filter_uses())
    assert len(uses) > 10
    wrong = [
        (str(path), name, argument)
        for path, name, argument in uses
        if argument is None or argument.strip("'\"") not in kinds[name]
    ]
    assert wrong == []


@pytest.mark.parametrize(
    "value,kind,french,english",
    [
        (datetime(2026, 12, 2, 13, 30), "list", "2 déc. 2026, 14:30", "2 Dec 2026, 14:30"),
        (
            datetime(2026, 12, 2, 13, 30),
            "detail",
            "mercredi 2 décembre 2026, 14:30",
            "Wednesday 2 December 2026, 14:30",
        ),
        (date(2027, 6, 14), "list", "14 juin 2027", "14 Jun 2027"),
        (date(1978, 5, 14), "birth", "14 mai 1978", "14 May 1978"),
    ],
)
def test_each_kind_reads_the_same_way_in_both_languages(app, value, kind, french, english):
    with app.test_request_context("/"):
        with force_locale("fr"):
            assert format_when(value, kind) == french
        with force_locale("en"):
            assert format_when(value, kind) == english


def test_a_pattern_instead_of_a_kind_is_refused(app):
    with app.test_request_context("/"), pytest.raises(KeyError):
        format_when(date(2026, 1, 1), "dd/MM/yyyy")


def test_birth_date_on_the_profile_uses_the_birth_format(app, client, auth):
    auth.create_client(birth_date=date(1978, 5, 14))
    auth.login()
    assert "14 mai 1978" in client.get("/account/profile").get_data(as_text=True)
