"""Fuzzing every form and htmx endpoint with Hypothesis, on top of the fixed hostile values.

The forms come from the hostile-input harness (tests/fixtures/hostile.py), which a test of
tests/app/test_hostile_input.py keeps complete against the URL map: a new POST route without a
form case fails there. Hypothesis draws, for a few fields at a time, long strings, any unicode,
control characters and NUL, markup, SQL and template injections, and sends them as a page or as
an htmx request. Whatever the drawing: no 500, and nothing of the markup comes back unescaped,
neither in the answer nor in the form's page read again afterwards.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures.hostile import ACCOUNT_FORMS, CLIENT_SPACE_FORMS, reach, send
from tests.fixtures.http import HTMX

FORMS = CLIENT_SPACE_FORMS + list(ACCOUNT_FORMS.values())

# Markup that must never come back as it was typed (escaped or stripped is fine).
MARKUP = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=//example.org></iframe>",
    '<div hx-get="/admin" hx-trigger="load">x</div>',
    "</textarea><script>alert(2)</script>",
]
# A template engine that evaluated what it was given would print the product.
TEMPLATE = ["{{ 8*7919 }}", "{% raw %}{{ 8*7919 }}", "${8*7919}", "#{8*7919}", "{{config}}"]
EVALUATED = "63352"
INJECTION = [
    "' OR '1'='1",
    "'; DROP TABLE user; --",
    '" OR ""="',
    "1) UNION SELECT password_hash FROM user --",
    "%00",
    "\\x00",
    "../../etc/passwd",
    "%s%s%s%n",
]

values = st.one_of(
    st.sampled_from(MARKUP + TEMPLATE + INJECTION),
    st.text(max_size=80),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=20),  # control characters
    st.text(min_size=300, max_size=3000).map(lambda t: t * 3),  # long
    st.tuples(st.text(max_size=12), st.sampled_from(MARKUP + TEMPLATE)).map("".join),
)


def reflected(page: str) -> list[str]:
    """The markup or evaluated template found as is in ``page``."""
    found = [m for m in MARKUP if m in page]
    if EVALUATED in page:
        found.append(f"{EVALUATED} (a template was evaluated)")
    return found


@pytest.mark.parametrize("form", FORMS, ids=[f.name for f in FORMS])
def test_fuzzed_values_never_break_a_form_nor_come_back_unescaped(app, client, form):
    url = reach(app, client, form)
    problems = []

    @settings(
        max_examples=20,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        fuzzed=st.dictionaries(st.sampled_from(sorted(form.valid)), values, min_size=1),
        htmx=st.booleans(),
    )
    def fuzz(fuzzed, htmx):
        data = {**form.valid, **fuzzed}
        response = send(client, form, url, data, HTMX if htmx else None)
        where = f"{form.name} {sorted(fuzzed)} {'htmx' if htmx else 'page'}"
        if response.status_code >= 500:
            problems.append(f"{where}: {response.status_code}")
        shown = reflected(response.get_data(as_text=True))
        if form.method == "POST" and response.status_code in (200, 303):
            shown += reflected(client.get(url).get_data(as_text=True))
        if shown:
            problems.append(f"{where}: {shown}")

    fuzz()
    assert problems == []
