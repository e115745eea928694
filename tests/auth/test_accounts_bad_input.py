"""Hostile input on every form of the accounts area: never a 500, a French message, the typing
kept (never a password), nothing written by a refused form. The values, the forms and the
judging of answers are the harness of tests/fixtures/hostile.py."""

from __future__ import annotations

import html

import pytest

from models.user import User
from tests.fixtures.database import count_rows
from tests.fixtures.hostile import (
    ACCOUNT_FORMS,
    HOSTILE,
    problems_of,
    reach,
    send,
    snapshot,
    try_each_field,
)


@pytest.mark.parametrize("form_name", list(ACCOUNT_FORMS))
def test_hostile_value_in_each_field_never_fails(app, client, form_name):
    form = ACCOUNT_FORMS[form_name]
    url = reach(app, client, form)
    problems = try_each_field(app, client, form, url, HOSTILE)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("form_name", list(ACCOUNT_FORMS))
def test_wrong_types_and_missing_fields_never_fail(app, client, htmx, form_name):
    form = ACCOUNT_FORMS[form_name]
    url = reach(app, client, form)
    problems, before = [], [snapshot(app)]

    def judge(response, name, kind):
        problems.extend(problems_of(response, form, name, kind, None, before[0], app))
        if response.status_code != 422:
            before[0] = snapshot(app)

    for name in form.valid:
        repeated = {**form.valid, name: [form.valid[name], "autre"]}  # a list, not a value
        judge(send(client, form, url, repeated), name, "two values")
        missing = {k: v for k, v in form.valid.items() if k != name}
        judge(send(client, form, url, missing), name, "missing")
        judge(send(client, form, url, missing, headers=htmx), name, "missing (htmx)")
    judge(send(client, form, url, {}, headers=htmx), "(nothing)", "missing (htmx)")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "value",
    [pytest.param(v, id=name) for name, v in HOSTILE.items() if v.strip() and "/" not in v],
)
@pytest.mark.parametrize(
    "url",
    [
        "/auth/verify/{}",
        "/auth/reset/{}",
        "/auth/email/confirm/{}",
        "/account/invitation/{}",
    ],
)
def test_hostile_link_tokens_are_refused_in_french(client, url, value):
    response = client.get(url.format(value))
    assert response.status_code in (200, 404), response.status_code
    text = html.unescape(response.get_data(as_text=True))
    assert "lien" in text.lower()


@pytest.mark.settings(WTF_CSRF_ENABLED=True)
@pytest.mark.parametrize(
    "form_name", [name for name, form in ACCOUNT_FORMS.items() if form.method == "POST"]
)
def test_missing_csrf_token_is_a_french_400_page_and_fragment(app, client, htmx, form_name):
    form = ACCOUNT_FORMS[form_name]
    url = reach(app, client, form)  # with CSRF on, the setup's own logins are refused too
    users = count_rows(app, User)
    for headers in (None, htmx):
        response = client.post(url, data=form.valid, headers=headers)
        assert response.status_code == 400, (form_name, response.status_code)
        assert "formulaire a expiré" in html.unescape(response.get_data(as_text=True))
    assert count_rows(app, User) == users
