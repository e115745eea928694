"""Processor time of each page in-process, next to the floors every page pays.

``python bench/inprocess.py`` builds the benchmark's data set (SQLite, ``--scale`` 0.01 by
default), makes the app with the benchmark's production settings, and calls its WSGI entry
directly (no server, no test client) for each page of ``bench/pages.py``: the processor time of
one request, the best of ``--rounds`` rounds (this shared machine moves by 10 to 30 % from one
second to the next; the best round is the least disturbed one).

The floors of ``bench/floors.py`` (an anonymous route, a signed-in route, a signed-in page of
the layout alone) are measured the same way, and the bare Flask route of ``bench/bare.py``.

Served by gunicorn, a page's throughput relative to the bare route is about
``(G + bare) / (G + page)``, where G is what the server costs per request (measured from the
bench's table: about 0.15 ms here), so the figures printed here tell how far a page is from a
throughput target without a 30-minute run. It takes about 30 s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from werkzeug.test import EnvironBuilder  # noqa: E402

from bench import run  # noqa: E402
from bench.floors import FLOORS  # noqa: E402
from bench.pages import PAGES  # noqa: E402

PORT = 8443  # the Host and Referer of the requests (a form's Referer must match its host)


def _start_response(status, headers, exc_info=None):
    _start_response.status = status
    return lambda data: None


def caller(wsgi_app, request: run.Request):
    """A function that sends ``request`` to ``wsgi_app`` once and returns the status."""

    def call() -> str:
        environ = EnvironBuilder(
            path=request.url,
            method="POST" if request.body else "GET",
            headers=dict(request.headers),
            data=request.body or None,
            content_type="application/x-www-form-urlencoded" if request.body else None,
            base_url=f"http://127.0.0.1:{PORT}",
            environ_base={"REMOTE_ADDR": "127.0.0.1"},  # wrk's address, as in the session
        ).get_environ()
        body = wsgi_app(environ, _start_response)
        for _ in body:
            pass
        if hasattr(body, "close"):
            body.close()
        return _start_response.status

    return call


def cpu_ms(call, requests: int, rounds: int) -> float:
    """Processor time of one call, in ms: the best of ``rounds`` rounds of ``requests``."""
    for _ in range(min(20, requests)):
        call()
    best = float("inf")
    for _ in range(rounds):
        begun = time.process_time()
        for _ in range(requests):
            call()
        best = min(best, (time.process_time() - begun) / requests)
    return best * 1000


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.01, help="data set scale (0.01)")
    parser.add_argument("--requests", type=int, default=100, help="requests per round (100)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per page (5)")
    parser.add_argument("--pages", nargs="*", help="names of pages in bench/pages.py (all)")
    options = parser.parse_args(argv)
    pages = [p for p in PAGES if not options.pages or p.name in options.pages]

    with tempfile.TemporaryDirectory(prefix="espace-client-inprocess-") as tmp:
        workdir = Path(tmp)
        try:
            app, _ = run.filled_app(f"sqlite:///{workdir / 'bench.sqlite'}", workdir, options.scale)
            cookies = {role: run.session_cookie(app, role) for role in ("client", "admin")}

            from bench.bare import application as bare

            bare_ms = cpu_ms(
                caller(bare, run.Request("/", dict(run.PROXY_HEADERS))),
                options.requests,
                options.rounds,
            )
            print(f"{'Page':40} {'CPU ms':>8} {'× bare':>8}")
            print(f"{'bare Flask route':40} {bare_ms:8.3f} {1:8.1f}")
            for page in [*FLOORS, *pages]:
                headers = dict(run.PROXY_HEADERS)
                if cookies.get(page.role):
                    headers["Cookie"] = cookies[page.role]
                request = run.page_request(app, page, headers, {"client": 1}, PORT)
                call = caller(app, request)
                status = call()
                if not status.startswith(str(page.status)):
                    raise SystemExit(f"{page.url} ({page.role}) : {status}, {page.status} attendu")
                ms = cpu_ms(call, options.requests, options.rounds)
                print(f"{page.name:40} {ms:8.3f} {ms / bare_ms:8.1f}")
        finally:
            run.stop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
