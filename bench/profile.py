"""Where the time of one page goes: ``python bench/profile.py "client dashboard"``.

Builds the benchmark's small data set (SQLite by default, or ``--database-url``; ``--scale``
as for ``bench/run.py``), then either:

- in-process (default): serves the page ``--requests`` times through the test client under
  pyinstrument and prints the profile;
- ``--served``: serves the app as ``make bench`` does (gunicorn, one sync worker, production
  settings: rate limiter, proxy fix, HTTPS, security headers, session refresh), loads the page
  with wrk, samples the worker with py-spy meanwhile, and prints the functions that take the
  most time, the app's own and the libraries' (what the test client does not show: gunicorn's
  request parsing, the WSGI middlewares, the response writing).
"""

from __future__ import annotations

import argparse
import collections
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import run  # noqa: E402
from bench.floors import FLOORS  # noqa: E402
from bench.pages import PAGES  # noqa: E402

OWN_CODE = ("blueprints/", "services/", "web/", "models/", "commands/")


def worker_pid(server: run.Server) -> int:
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if f"\nPPid:\t{server.process.pid}\n" in text:
            return int(status.parent.name)
    raise SystemExit("pas de worker gunicorn")


def served_profile(app, env, workdir: Path, request: run.Request, seconds: int, top: int):
    """Sample the single gunicorn worker with py-spy while wrk loads ``request``."""
    with run.Server("bench.wsgi:application", env, workdir, "/health", workers=1) as server:
        run.wrk(server.port, request.url, request.headers, 2, 8, request.body)  # warm-up
        folded = workdir / "profile.folded"
        spy = run.start(
            [
                str(Path(sys.executable).parent / "py-spy"),
                *("record", "--pid", str(worker_pid(server)), "--duration", str(seconds)),
                *("--rate", "250", "--format", "raw", "--output", str(folded), "--nonblocking"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        figures = run.wrk(server.port, request.url, request.headers, seconds, 8, request.body)
        spy.wait(timeout=seconds + 30)
    own: collections.Counter = collections.Counter()
    inclusive: collections.Counter = collections.Counter()
    total = 0
    for line in folded.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():  # py-spy's own remarks
            continue
        frames = stack.split(";")
        samples = int(count)
        total += samples
        own[frames[-1]] += samples
        for frame in set(frames):
            inclusive[frame] += samples
    print(f"{figures.rps:.0f} req/s, p50 {figures.p50_ms:.1f} ms, {total} samples")
    print("\nOwn time (the function itself):")
    for frame, samples in own.most_common(top):
        print(f"  {samples / total:6.1%}  {frame[:150]}")
    print("\nInclusive time, the application's code:")
    mine = [
        (f, n)
        for f, n in inclusive.most_common()
        if any(f"({d}" in f for d in (*OWN_CODE, "app.py"))
    ]
    for frame, samples in mine[:top]:
        print(f"  {samples / total:6.1%}  {frame[:150]}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", help="name of a page in bench/pages.py")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--all", action="store_true", help="show library frames too")
    parser.add_argument("--database-url", help="SQLite file in a temporary folder by default")
    parser.add_argument("--scale", type=float, default=0.1, help="data set scale (0.1)")
    parser.add_argument("--served", action="store_true", help="gunicorn + wrk + py-spy")
    parser.add_argument("--seconds", type=int, default=15, help="--served: seconds sampled")
    parser.add_argument("--top", type=int, default=25, help="--served: lines per list")
    options = parser.parse_args(argv)
    page = next((p for p in [*FLOORS, *PAGES] if p.name == options.page), None)
    if page is None:
        parser.error(f"pages : {', '.join(p.name for p in [*FLOORS, *PAGES])}")

    with tempfile.TemporaryDirectory(prefix="espace-client-profile-") as tmp:
        workdir = Path(tmp)
        url = options.database_url or f"sqlite:///{workdir / 'bench.sqlite'}"
        if options.database_url:
            run.prepare_mariadb(url)
        try:
            app, env = run.filled_app(url, workdir, options.scale)
            headers = dict(run.PROXY_HEADERS)
            cookie = run.session_cookie(app, page.role)
            if cookie:
                headers["Cookie"] = cookie
            request = run.page_request(app, page, headers, {"client": 1}, 443)
            if options.served:
                served_profile(app, env, workdir, request, options.seconds, options.top)
                return 0
            from pyinstrument import Profiler

            client = app.test_client(use_cookies=False)
            request.send(client)
            with Profiler(interval=0.0005) as profiler:
                for _ in range(options.requests):
                    request.send(client)
            profiler.print(show_all=options.all)
        finally:
            run.stop_all()
            if options.database_url:
                run.drop_every_table(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
