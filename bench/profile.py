"""Where the time of one page goes: ``python bench/profile.py "client dashboard"``.

Builds the benchmark's data (SQLite by default, or ``--database-url``), then serves the page
``--requests`` times in-process through the test client under pyinstrument (``pip install
pyinstrument``, not a dependency of the project) and prints the profile.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import run  # noqa: E402
from bench.pages import PAGES  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", help="name of a page in bench/pages.py")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--all", action="store_true", help="show library frames too")
    parser.add_argument("--database-url", help="SQLite file in a temporary folder by default")
    options = parser.parse_args(argv)
    page = next((p for p in PAGES if p.name == options.page), None)
    if page is None:
        parser.error(f"pages : {', '.join(p.name for p in PAGES)}")
    from pyinstrument import Profiler

    with tempfile.TemporaryDirectory(prefix="espace-client-profile-") as tmp:
        workdir = Path(tmp)
        url = options.database_url or f"sqlite:///{workdir / 'bench.sqlite'}"
        if options.database_url:
            run.drop_every_table(url)
        try:
            instance = workdir / "instance"
            instance.mkdir()
            settings = run.production_settings(url, instance)
            env = run.environment(settings, instance)
            run.flask(env, "db", "upgrade")
            run.flask(env, "demo")
            app = run.in_process_app(settings, instance)
            run.prepare_data(app)
            headers = dict(run.PROXY_HEADERS)
            cookie = run.session_cookie(app, page.role)
            if cookie:
                headers["Cookie"] = cookie
            headers = run.page_request(app, page, headers, {"client": 1}, 443).headers
            client = app.test_client(use_cookies=False)
            client.get(page.url, headers=headers)
            with Profiler(interval=0.0005) as profiler:
                for _ in range(options.requests):
                    client.get(page.url, headers=headers)
            profiler.print(show_all=options.all)
        finally:
            run.stop_all()
            if options.database_url:
                run.drop_every_table(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
