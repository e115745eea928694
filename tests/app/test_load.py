"""The load test of bench/load.py, for 10 seconds, on the suite's database.

Fifty clients open tickets and reply against gunicorn (three workers, production settings):
every ticket and reply answered 2xx/3xx is in the database exactly once, and no answer is a
5xx. The 60-second version, with its figures, is ``python bench/load.py``.
"""

from __future__ import annotations

import os

import sqlalchemy as sa

from bench import load


def test_fifty_clients_for_ten_seconds_lose_nothing_and_get_no_5xx():
    arguments = ["--seconds", "10", "--clients", "50", "--workers", "3"]
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        server = sa.make_url(url)
        name = f"{server.database}_load_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
        arguments += [
            "--backends",
            "mariadb",
            "--mariadb-url",
            server.set(database=name).render_as_string(hide_password=False),
        ]
    else:
        arguments += ["--backends", "sqlite"]
    (report,) = load.main(arguments)
    kinds = {answer.kind for answer in report.answers}
    assert kinds == {"form", "ticket", "page", "reply"}, "\n".join(report.lines())
    assert report.problems == [], "\n".join(report.lines() + report.problems[:20])
