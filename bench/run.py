"""``make bench``: Espace Client under load, next to a bare Flask route, on SQLite and MariaDB.

Each app is served by gunicorn (2 sync workers, production settings: strong secret key, ALTCHA,
HTTPS forced behind a proxy that says ``X-Forwarded-Proto: https``) and loaded by wrk from another
process on 127.0.0.1. For each page of ``bench/pages.py``, after the floors of
``bench/floors.py`` (what every page pays, on routes of the benchmark's own copy of the app):
requests per second, p50 and p99 latency (two back-to-back runs and their spread), SQL queries
per request (counted in-process through the test client on the same data) and the throughput
ratio to the bare route.

Everything is bounded in time and every process started here is stopped on exit, Ctrl-C
included. Figures go to the terminal and to ``bench/results/`` (not versioned).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench.floors import FLOORS, add_floor_routes  # noqa: E402
from bench.pages import PAGES, Page  # noqa: E402

DEFAULT_MARIADB_URL = "mysql+pymysql://root@127.0.0.1:3306/test_bench?charset=utf8mb4"
USER_AGENT = "espace-client-bench"
PROXY_HEADERS = {"X-Forwarded-Proto": "https", "User-Agent": USER_AGENT}
RESULTS = ROOT / "bench" / "results"

_children: list[subprocess.Popen] = []


# --- processes -----------------------------------------------------------------------------


def start(cmd: list[str], **kwargs) -> subprocess.Popen:
    """Start ``cmd`` in its own process group, remembered so that it is always stopped."""
    process = subprocess.Popen(cmd, start_new_session=True, **kwargs)
    _children.append(process)
    return process


def stop(process: subprocess.Popen) -> None:
    """Stop ``process`` and its children (its process group): TERM, then KILL after 5 s."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        except ProcessLookupError:
            pass
    if process in _children:
        _children.remove(process)


def stop_all() -> None:
    for process in list(_children):
        stop(process)


def _terminate(signum, frame):
    raise SystemExit(f"interrompu (signal {signum})")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, url: str, headers: dict, timeout: float = 5) -> int:
    """Status of one GET on 127.0.0.1:``port`` (redirects are not followed)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", url, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


class Server:
    """A WSGI app served by gunicorn on a free port of 127.0.0.1, for a ``with`` block."""

    def __init__(self, target: str, env: dict, workdir: Path, ready_url: str, workers: int = 2):
        self.target, self.env, self.workdir, self.ready_url = target, env, workdir, ready_url
        self.workers = workers
        self.port = free_port()
        self.log = workdir / f"gunicorn-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        cmd = [
            *(sys.executable, "-m", "gunicorn", "--workers", str(self.workers)),
            *("--worker-class", "sync"),
            *("--bind", f"127.0.0.1:{self.port}", "--chdir", str(ROOT)),
            *("--timeout", "30", "--graceful-timeout", "3", "--log-level", "warning"),
            *("--error-logfile", str(self.log), self.target),
        ]
        self.process = start(cmd, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if get(self.port, self.ready_url, PROXY_HEADERS) == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.__exit__()
        log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
        raise SystemExit(f"gunicorn ({self.target}) ne répond pas sur {self.ready_url}.\n{log}")

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            stop(self.process)


# --- wrk -----------------------------------------------------------------------------------


@dataclass
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    bad_responses: int  # non-2xx/3xx answers and socket errors


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS_MS[unit]


def parse_wrk(output: str) -> Run:
    """The figures of one wrk run (its ``--latency`` output)."""
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", output, re.M))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return Run(
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        p50_ms=_ms(percentiles["50"]),
        p99_ms=_ms(percentiles["99"]),
        requests=int(re.search(r"(\d+) requests in", output).group(1)),
        bad_responses=errors + (int(non_2xx.group(1)) if non_2xx else 0),
    )


def wrk(
    port: int, url: str, headers: dict, seconds: float, connections: int, body: str = ""
) -> Run:
    """Load ``url`` for ``seconds`` with wrk (2 threads) and return its figures.

    With ``body``, every request is a POST of that form (urlencoded).
    """
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{round(seconds)}s", "--timeout", "5s", "--latency"]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    script = None
    if body:
        # Closed and kept until wrk has read it, removed below.
        script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)  # noqa: SIM115
        script.write(f'wrk.method = "POST"\nwrk.body = {json.dumps(body)}\n')
        script.close()
        cmd += ["-s", script.name, "-H", "Content-Type: application/x-www-form-urlencoded"]
    cmd.append(f"http://127.0.0.1:{port}{url}")
    process = start(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output, _ = process.communicate(timeout=seconds + 30)
    finally:
        stop(process)
        if script is not None:
            os.unlink(script.name)
    try:
        if process.returncode == 0:
            return parse_wrk(output)
    except (AttributeError, KeyError):
        pass
    raise SystemExit(f"wrk a échoué ({process.returncode}) :\n{output}")


# --- the app under test --------------------------------------------------------------------


def production_settings(database_url: str, instance: Path) -> dict:
    """Production settings of the served app (what an o2switch installation would set)."""
    return {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "CAPTCHA_PROVIDER": "altcha",
        "FORCE_HTTPS": True,
        "PROXY_FIX_X_PROTO": 1,
        "FIELD_ENCRYPTION_KEYS": [secrets.token_urlsafe(32)],
        "RECOVERY_CODE_KEY": secrets.token_urlsafe(32),
        "BLIND_INDEX_KEY": secrets.token_urlsafe(32),
        "ACTIVITY_SEAL_KEY": secrets.token_urlsafe(32),
        "MAIL_BACKEND": "file",  # the loaded pages send nothing; never reach a real server
        "MAIL_FILE_DIR": str(instance / "mail"),
        "MAIL_BASE_URL": "https://espace-client.example.fr",
        "TRUSTED_HOSTS": ["espace-client.example.fr", "127.0.0.1", "localhost"],  # wrk, test client
    }


def environment(settings: dict, instance: Path) -> dict:
    """The environment of a served process: ``settings`` as ``FLASK_*``, nothing inherited."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env.update({f"FLASK_{k}": json.dumps(v) for k, v in settings.items()})
    env["BENCH_INSTANCE_PATH"] = str(instance)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run_to_end(cmd: list[str], env: dict, timeout: float) -> str:
    """Run ``cmd`` from the project's root (stopped on exit like every child); its output."""
    process = start(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    finally:
        stop(process)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[1:])} a échoué :\n{output[-3000:]}")
    return output


def flask(env: dict, *args: str) -> str:
    """Run ``flask --app bench.wsgi ARGS`` (the app as served) and return its output."""
    return run_to_end([sys.executable, "-m", "flask", "--app", "bench.wsgi", *args], env, 300)


def drop_every_table(database_url: str) -> None:
    """Empty the benchmark's database (alembic_version included)."""
    engine = sa.create_engine(database_url, connect_args={"connect_timeout": 5})
    try:
        metadata = sa.MetaData()
        metadata.reflect(engine)
        metadata.drop_all(engine)
    finally:
        engine.dispose()


def in_process_app(settings: dict, instance: Path):
    from app import create_app

    app = create_app({**settings, "INSTANCE_PATH": str(instance)})
    add_floor_routes(app)  # as bench/wsgi.py serves it
    return app


def filled_app(database_url: str, workdir: Path, scale: float):
    """The app as served (production settings, floors' routes) and its environment, on a
    migrated database holding the demo and the small data set at ``scale``."""
    from bench.data import fill_volume

    instance = workdir / "instance"
    instance.mkdir()
    settings = production_settings(database_url, instance)
    env = environment(settings, instance)
    flask(env, "db", "upgrade")
    flask(env, "demo")
    app = in_process_app(settings, instance)
    with app.app_context():
        fill_volume(scale=scale)
    return app, env


def prepare_data(app) -> dict:
    from bench.data import fill_volume

    with app.app_context():
        return fill_volume()


def session_cookie(app, role: str, email: str | None = None) -> str | None:
    """A session cookie of ``email`` (by default the first demo user of ``role``), made by the
    app's own login code.

    The session is opened by ``open_session`` in a request from wrk's address and user agent,
    then signed with the app's session serializer, as the login page would have done.
    """
    if role == "anonymous":
        return None
    from flask import session

    from commands.demo import DEMO_ADMIN, DEMO_CLIENTS
    from models import db
    from models.user import User
    from web.sessions import open_session

    email = email or (DEMO_ADMIN if role == "admin" else DEMO_CLIENTS[0]["email"])
    environ = {"REMOTE_ADDR": "127.0.0.1"}
    with app.test_request_context("/", environ_base=environ, headers=PROXY_HEADERS):
        user = db.session.scalar(sa.select(User).where(User.email_canonical == email))
        open_session(user, second_factor=True)
        db.session.commit()
        value = app.session_interface.get_signing_serializer(app).dumps(dict(session))
    return f"{app.config['SESSION_COOKIE_NAME']}={value}"


def settle_cookie(app, url: str, headers: dict) -> dict:
    """``headers`` with the session cookie a browser holds after loading ``url`` a few times.

    The first visits change the session (CSRF token, Flask-Login's freshness mark); measuring
    with the cookie of before would re-sign and re-send the session on every request, which a
    returning browser does not cause.
    """
    name = app.config["SESSION_COOKIE_NAME"]
    client = app.test_client(use_cookies=False)
    for _ in range(4):
        response = client.get(url, headers=headers)
        cookies = [c.split(";", 1)[0] for c in response.headers.getlist("Set-Cookie")]
        session_cookies = [c for c in cookies if c.startswith(f"{name}=")]
        if not session_cookies:
            return headers
        headers = {**headers, "Cookie": session_cookies[-1]}
    # Changed at every request (an idle-timeout stamp, say): browsers get a new cookie each time
    # too, so the measure stays fair.
    print(f"  ({url} renvoie un cookie de session à chaque requête)")
    return headers


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class Request:
    """One request of a page, as wrk and the test client send it."""

    url: str
    headers: dict
    body: str = ""
    # The served address: a form's Referer names it, and the CSRF check compares it to the host.
    base_url: str = "http://localhost"

    def send(self, client):
        if self.body:
            return client.post(
                self.url,
                data=self.body,
                headers=self.headers,
                content_type="application/x-www-form-urlencoded",
                base_url=self.base_url,
            )
        return client.get(self.url, headers=self.headers, base_url=self.base_url)


def page_request(app, page: Page, headers: dict, values: dict, port: int) -> Request:
    """The request of ``page``: its URL, the settled cookie, and for a form its body."""
    url = page.url.format(**values)
    if not page.form:
        return Request(url, settle_cookie(app, url, headers))
    source = page.form_page.format(**values)
    headers = settle_cookie(app, source, headers)
    text = app.test_client(use_cookies=False).get(source, headers=headers).get_data(as_text=True)
    token = _CSRF.search(text)
    if token is None:
        raise SystemExit(f"{source} : pas de jeton CSRF, le formulaire ne peut être mesuré.")
    headers = {**headers, "Referer": f"https://127.0.0.1:{port}{source}"}
    if page.htmx:
        headers["HX-Request"] = "true"
    body = urlencode({**page.form, "csrf_token": token.group(1)})
    return Request(url, headers, body, base_url=f"http://127.0.0.1:{port}")


@dataclass
class Trips:
    """What one request asked of the database: statements, and every round trip."""

    statements: int = 0
    commits: int = 0
    rollbacks: int = 0
    resets: int = 0  # the pool's rollback when a connection comes back (when it does one)
    checkouts: int = 0

    def round_trips(self, pings_per_checkout: int) -> int:
        return (
            self.statements
            + self.commits
            + self.rollbacks
            + self.resets
            + self.checkouts * pings_per_checkout
        )


def database_trips(app, request: Request) -> tuple[Trips, int]:
    """The database work of one request (after a warm-up one), and its status."""
    from sqlalchemy import event

    from models import db

    trips = Trips()

    def bump(name):
        def listener(*args, **kwargs):
            setattr(trips, name, getattr(trips, name) + 1)

        return listener

    with app.app_context():
        engine = db.engine
    from app import needs_rollback_on_return
    from settings import engine_options

    # The event comes at every return to the pool. The pool rolls back unless the connection
    # closed its transaction itself; on MariaDB the app turns that off and rolls back only when
    # a statement ran since the last commit or rollback.
    app_resets = engine_options(app.config).get("pool_reset_on_return", "rollback") is None

    def reset(dbapi_connection, connection_record, reset_state):
        if app_resets:
            rolled_back = needs_rollback_on_return(connection_record, reset_state)
        else:
            rolled_back = not reset_state.transaction_was_reset
        trips.resets += rolled_back

    listeners = [
        (engine, "before_cursor_execute", bump("statements")),
        (engine, "commit", bump("commits")),
        (engine, "rollback", bump("rollbacks")),
        (engine.pool, "reset", reset),
        (engine.pool, "checkout", bump("checkouts")),
    ]
    client = app.test_client(use_cookies=False)
    request.send(client)
    for target, name, listener in listeners:
        event.listen(target, name, listener)
    try:
        status = request.send(client).status_code
    finally:
        for target, name, listener in listeners:
            event.remove(target, name, listener)
    return trips, status


# --- measuring -----------------------------------------------------------------------------


@dataclass
class Result:
    backend: str
    page: str
    role: str
    url: str
    size: str = "-"  # the data set: small or large
    target: str = ""  # the throughput target's group (client, admin), if any
    runs: list[Run] = field(default_factory=list)
    bare_runs: list[Run] = field(default_factory=list)  # the bare route, each just before a run
    queries: int | None = None
    round_trips: int | None = None

    @property
    def rps(self) -> float:
        return mean_rps(self.runs)

    @property
    def spread(self) -> float:
        """Difference between the runs, as a share of their mean."""
        values = [r.rps for r in self.runs]
        return (max(values) - min(values)) / self.rps if self.rps else 0.0

    @property
    def ratio(self) -> float:
        """Throughput relative to the bare route measured in the same minute."""
        return self.rps / mean_rps(self.bare_runs) if self.bare_runs else 1.0

    def mean(self, name: str) -> float:
        return sum(getattr(r, name) for r in self.runs) / len(self.runs)


def mean_rps(runs: list[Run]) -> float:
    return sum(r.rps for r in runs) / len(runs)


class Bench:
    """The runs of one ``make bench``; the bare route is served all along, for comparison."""

    def __init__(self, options, bare_port: int):
        self.options = options
        self.bare_port = bare_port
        self.bare = Result("-", "bare Flask", "-", "/")
        self.extra_settings = {}
        for item in options.set:
            key, _, value = item.partition("=")
            try:
                self.extra_settings[key] = json.loads(value)
            except ValueError:
                self.extra_settings[key] = value

    def load(self, port: int, url: str, headers: dict, seconds: int, body: str = "") -> Run:
        return wrk(port, url, headers, seconds, self.options.connections, body)

    def measure(self, result: Result, port: int, request: Request) -> Result:
        """Warm-up, then back-to-back runs, each just after a run of the bare route.

        Alternating keeps the ratio honest on a machine whose load changes from minute to minute.
        """
        print(f"  {result.page} ...", end="", flush=True)
        url, headers, body = request.url, request.headers, request.body
        self.load(port, url, headers, self.options.warmup, body)
        for _ in range(self.options.runs):
            bare = self.load(self.bare_port, "/", PROXY_HEADERS, self.options.duration)
            result.bare_runs.append(bare)
            self.bare.runs.append(bare)
            result.runs.append(self.load(port, url, headers, self.options.duration, body))
        print(f" {result.rps:.0f} req/s, {result.ratio:.2f} of the bare route")
        return result


def bare_server(workdir: Path) -> Server:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    return Server("bench.bare:application", env, workdir, "/")


def worker_memory_mb(server: Server) -> float:
    """The largest resident memory of the server's gunicorn workers, in MB."""
    largest = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
            )
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(server.process.pid):
            largest = max(largest, int(fields.get("VmRSS", "0 kB").split()[0]))
    return largest / 1024


@dataclass
class Backend:
    """What one database measured besides the pages."""

    name: str
    counts: dict = field(default_factory=dict)  # size -> rows of the main tables
    worker_mb: dict = field(default_factory=dict)  # size -> largest worker after its pages
    pings_per_checkout: int = 0


MAIN_TABLES = ("client", "ticket", "ticket_message", "invoice", "activity_log")


def measure_pages(bench, app, server, pages, values, cookies, backend, size, pings) -> list:
    results = []
    for page in pages:
        headers = dict(PROXY_HEADERS)
        if cookies[page.role]:
            headers["Cookie"] = cookies[page.role]
        request = page_request(app, page, headers, values, server.port)
        trips, status = database_trips(app, request)
        served = get_or_post(server.port, request)
        if status != page.status or served != page.status:
            raise SystemExit(
                f"{request.url} ({page.role}) répond {status} en test et {served} servi,"
                f" {page.status} attendu : la mesure n'aurait pas de sens."
            )
        result = Result(backend, page.name, page.role, request.url, size, page.target)
        result.queries = trips.statements
        result.round_trips = trips.round_trips(pings)
        results.append(bench.measure(result, server.port, request))
    return results


def get_or_post(port: int, request: Request) -> int:
    """Status of one request on 127.0.0.1:``port`` (redirects are not followed)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = dict(request.headers)
        if request.body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(
            "POST" if request.body else "GET",
            request.url,
            body=request.body or None,
            headers=headers,
        )
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def bench_backend(
    bench: Bench, backend: str, database_url: str, workdir: Path
) -> tuple[list[Result], Backend]:
    """Migrate, fill, serve and load every page on one database, at both sizes."""
    from bench.data import fill_volume, grow_volume
    from settings import engine_options

    print(f"== Espace Client sur {backend}")
    instance = workdir / f"instance-{backend.replace(' ', '-')}"
    instance.mkdir()
    settings = production_settings(database_url, instance) | bench.extra_settings
    env = environment(settings, instance)
    flask(env, "db", "upgrade")
    flask(env, "demo")
    app = in_process_app(settings, instance)
    options = engine_options(app.config)
    found = Backend(backend, pings_per_checkout=1 if options.get("pool_pre_ping") else 0)
    wanted = bench.options.pages
    pages = [p for p in [*FLOORS, *PAGES] if not wanted or p.name in wanted]
    results = []
    for size in bench.options.sizes.split(","):
        started = time.monotonic()
        with app.app_context():
            if size == "small":
                counts = fill_volume(scale=bench.options.scale)
            else:
                counts = grow_volume(scale=bench.options.scale)
        found.counts[size] = {t: counts[t] for t in MAIN_TABLES}
        print(
            f"  données {size} ({time.monotonic() - started:.0f} s) : "
            + ", ".join(f"{t} {counts[t]}" for t in MAIN_TABLES)
        )
        with app.app_context():
            from commands.demo import DEMO_CLIENTS
            from models import db
            from models.user import User

            first = db.session.scalar(
                sa.select(User).where(User.email_canonical == DEMO_CLIENTS[0]["email"])
            )
            values = {"client": first.client.id}
        cookies = {role: session_cookie(app, role) for role in {p.role for p in pages}}
        with Server(
            "bench.wsgi:application", env, workdir, "/health", workers=bench.options.workers
        ) as server:
            results += measure_pages(
                bench,
                app,
                server,
                pages,
                values,
                cookies,
                backend,
                size,
                found.pings_per_checkout,
            )
            found.worker_mb[size] = worker_memory_mb(server)
            print(f"  mémoire du plus gros worker : {found.worker_mb[size]:.0f} Mo")
    with app.app_context():
        from models import db

        db.engine.dispose()
    return results, found


def prepare_mariadb(database_url: str) -> str | None:
    """Create the benchmark's database when missing and empty it; None, or why it cannot be."""
    server = sa.make_url(database_url)
    try:
        without_database = sa.engine.URL.create(
            server.drivername,
            server.username,
            server.password,
            server.host,
            server.port,
            query=server.query,
        )
        engine = sa.create_engine(without_database, connect_args={"connect_timeout": 3})
        with engine.begin() as connection:
            name = server.database.replace("`", "")
            connection.execute(
                sa.text(f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4")
            )
        engine.dispose()
        drop_every_table(database_url)
    except Exception as error:  # any failure means: skip this backend, say why
        return str(error).splitlines()[0]
    return None


# --- report --------------------------------------------------------------------------------


def table(results: list[Result], bare: Result) -> str:
    """The results as a Markdown table; the large data set beside the small one."""
    lines = [
        "| Database | Page | Role | Data | req/s (spread) | p50 ms | p99 ms | Queries"
        " | Round trips | vs bare | large/small |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in [bare, *results]:
        queries = "-" if r.queries is None else str(r.queries)
        trips = "-" if r.round_trips is None else str(r.round_trips)
        bad = sum(run.bad_responses for run in r.runs)
        warn = f" ⚠ {bad} bad" if bad else ""
        small = size_pair(results, r) if r.size == "large" else None
        growth = f"{r.rps / small.rps:.2f}" if small else "-"
        lines.append(
            f"| {r.backend} | {r.page} | {r.role} | {r.size} | {r.rps:.0f} (±{r.spread / 2:.0%})"
            f"{warn} | {r.mean('p50_ms'):.1f} | {r.mean('p99_ms'):.1f} | {queries} | {trips}"
            f" | {r.ratio:.2f} | {growth} |"
        )
    return "\n".join(lines)


def size_pair(results: list[Result], large: Result) -> Result | None:
    """The small data set's result of the same page and database."""
    return next(
        (
            r
            for r in results
            if r.size == "small" and r.backend == large.backend and r.page == large.page
        ),
        None,
    )


# --- targets -------------------------------------------------------------------------------

CLIENT_RATIO = 0.20
ADMIN_RATIO = 0.08
SIZE_RATIO = 0.9
P99_OVER_P50 = 3.0
WORKER_MB = 150
GROWTH_MB = 50


def targets(results: list[Result], backends: list[Backend], extras: dict) -> list[tuple]:
    """Each target of the benchmark, per database: (target, database, met, worst figure)."""
    rows = []
    for backend in backends:
        mine = [r for r in results if r.backend == backend.name]

        def check(label, items, value, ok, shown, name=backend.name):
            worst = min(items, key=value, default=None) if items else None
            if worst is None:
                rows.append((label, name, None, "pas mesuré"))
                return
            met = all(ok(item) for item in items)
            rows.append((label, name, met, shown(worst)))

        for group, floor in (("client", CLIENT_RATIO), ("admin", ADMIN_RATIO)):
            check(
                f"{group} pages ≥ {floor:.2f} of the bare route",
                [r for r in mine if r.target == group],
                lambda r: r.ratio,
                lambda r, floor=floor: r.ratio >= floor,
                lambda r: f"{r.ratio:.2f} ({r.page}, {r.size})",
            )
        pairs = [(size_pair(mine, r), r) for r in mine if r.size == "large"]
        pairs = [(small, large) for small, large in pairs if small]
        check(
            f"large data set ≥ {SIZE_RATIO} of the small one's throughput",
            pairs,
            lambda p: p[1].rps / p[0].rps,
            lambda p: p[1].rps / p[0].rps >= SIZE_RATIO,
            lambda p: f"{p[1].rps / p[0].rps:.2f} ({p[0].page})",
        )
        check(
            "same queries per request at both sizes",
            pairs,
            lambda p: -abs(p[1].queries - p[0].queries),
            lambda p: p[1].queries == p[0].queries,
            lambda p: f"{p[0].queries} → {p[1].queries} ({p[0].page})",
        )
        check(
            f"p99 < {P99_OVER_P50:g} × p50",
            mine,
            lambda r: -r.mean("p99_ms") / r.mean("p50_ms"),
            lambda r: r.mean("p99_ms") < P99_OVER_P50 * r.mean("p50_ms"),
            lambda r: f"{r.mean('p99_ms') / r.mean('p50_ms'):.1f} × ({r.page}, {r.size})",
        )
        check(
            f"worker memory < {WORKER_MB} MB",
            list(backend.worker_mb.items()),
            lambda item: -item[1],
            lambda item: item[1] < WORKER_MB,
            lambda item: f"{item[1]:.0f} MB ({item[0]})",
        )
        documents = extras.get(backend.name, {}).get("documents", {})
        check(
            f"ZIP and export grow the process by < {GROWTH_MB} MB",
            list(documents.items()),
            lambda item: -item[1]["growth_mb"],
            lambda item: item[1]["growth_mb"] < GROWTH_MB,
            lambda item: f"{item[1]['growth_mb']:.1f} MB ({item[0]})",
        )
    return rows


def targets_table(rows: list[tuple]) -> str:
    lines = ["| Target | Database | Met | Worst |", "|---|---|---|---|"]
    for label, backend, met, worst in rows:
        verdict = "-" if met is None else ("yes" if met else "**NO**")
        lines.append(f"| {label} | {backend} | {verdict} | {worst} |")
    return "\n".join(lines)


def documents_figures(settings: dict, workdir: Path) -> dict:
    """ZIP and export of a client with 10,000 tickets and 200 PDFs, in a fresh process."""
    env = environment(settings, workdir / "documents-instance")
    (workdir / "documents-instance").mkdir(exist_ok=True)
    output = run_to_end([sys.executable, str(ROOT / "bench" / "documents.py"), "--json"], env, 1200)
    return json.loads(output.strip().splitlines()[-1])  # its last line: the figures


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=8, help="seconds per run (8)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up (2)")
    parser.add_argument("--runs", type=int, default=2, help="back-to-back runs (2)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (32)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    parser.add_argument(
        "--backends",
        default="sqlite,mariadb,mariadb-c",
        help="sqlite,mariadb (PyMySQL),mariadb-c (mysqlclient, when installed): all by default",
    )
    parser.add_argument("--sizes", default="small,large", help="data sets: small,large")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="share of the data sets' sizes (1: full)"
    )
    parser.add_argument(
        "--pages", nargs="*", help="names of pages in bench/pages.py or bench/floors.py (all)"
    )
    parser.add_argument(
        "--no-documents", action="store_true", help="skip the ZIP and export measure"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=JSON",
        help="extra setting of the served app, e.g. --set RATELIMIT_ENABLED=false",
    )
    parser.add_argument(
        "--mariadb-url",
        default=os.environ.get("BENCH_MARIADB_URL", DEFAULT_MARIADB_URL),
        help="MariaDB database given to the benchmark, emptied before and after",
    )
    return parser.parse_args(argv)


def password_check_ms(settings: dict, instance: Path) -> float:
    """Median time of one password check with the production hashing parameters."""
    from services.passwords import hash_password, verify_password

    app = in_process_app(settings, instance)
    with app.app_context():
        stored = hash_password("Un-Mot-De-Passe-Solide-2026!")
        times = []
        for _ in range(7):
            begun = time.perf_counter()
            verify_password(stored, "Un-Mot-De-Passe-Solide-2026!")
            times.append(time.perf_counter() - begun)
    return sorted(times)[len(times) // 2] * 1000


def mariadb_c_url(url: str) -> str | None:
    """``url`` with the C driver (mysqlclient), or None when it is not installed."""
    try:
        import MySQLdb  # noqa: F401
    except ImportError:
        return None
    return sa.make_url(url).set(drivername="mysql+mysqldb").render_as_string(hide_password=False)


def main(argv=None) -> int:
    options = parse_args(argv)
    # Ctrl-C raises KeyboardInterrupt even when started in the background (where SIGINT is
    # ignored); TERM and HUP stop too. Every path goes through the ``finally`` that stops all.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    started = datetime.now(UTC)
    load_before = os.getloadavg()[0]
    results: list[Result] = []
    backends: list[Backend] = []
    extras: dict = {}
    skipped = []
    with tempfile.TemporaryDirectory(prefix="espace-client-bench-") as tmp:
        workdir = Path(tmp)
        try:
            with bare_server(workdir) as bare:
                bench = Bench(options, bare.port)
                bench.load(bare.port, "/", PROXY_HEADERS, options.warmup)
                for backend in options.backends.split(","):
                    if backend == "sqlite":
                        name, url = "SQLite", f"sqlite:///{workdir / 'bench.sqlite'}"
                    elif backend == "mariadb":
                        name, url = "MariaDB", options.mariadb_url
                    elif backend == "mariadb-c":
                        name, url = "MariaDB (mysqlclient)", mariadb_c_url(options.mariadb_url)
                        if url is None:
                            skipped.append(
                                "MariaDB (mysqlclient) ignorée : pip install .[mysqlclient]"
                            )
                            print(skipped[-1])
                            continue
                    else:
                        raise SystemExit(f"base inconnue : {backend}")
                    if backend.startswith("mariadb"):
                        problem = prepare_mariadb(url)
                        if problem:
                            skipped.append(f"{name} ignorée : {problem}")
                            print(skipped[-1])
                            continue
                    try:
                        found, measured = bench_backend(bench, name, url, workdir)
                        results += found
                        backends.append(measured)
                        if not options.no_documents and backend != "mariadb-c":
                            if backend.startswith("mariadb"):
                                drop_every_table(url)
                            else:
                                url = f"sqlite:///{workdir / 'documents.sqlite'}"
                            print("  ZIP et export d'un client de 10 000 tickets et 200 PDF ...")
                            settings = production_settings(url, workdir / "documents-instance")
                            extras[name] = {"documents": documents_figures(settings, workdir)}
                            for what, figures in extras[name]["documents"].items():
                                print(
                                    f"    {what} : {figures['seconds']:.1f} s, {figures['mb']:.1f} Mo,"
                                    f" +{figures['growth_mb']:.1f} Mo de mémoire"
                                )
                    finally:
                        if backend.startswith("mariadb"):
                            drop_every_table(url)
                instance = workdir / "password-instance"
                instance.mkdir()
                url = f"sqlite:///{workdir / 'password.sqlite'}"
                extras["password_check_ms"] = password_check_ms(
                    production_settings(url, instance), instance
                )
        finally:
            stop_all()
    bare = bench.bare

    report = table(results, bare)
    goals = targets(results, backends, extras)
    machine = f"{os.cpu_count()} cores, {os.uname().sysname} {os.uname().release}"
    sizes = "; ".join(
        f"{b.name} {size}: " + ", ".join(f"{t} {n:,}" for t, n in counts.items())
        for b in backends
        for size, counts in b.counts.items()
    )
    header = (
        f"{started:%Y-%m-%d %H:%M} UTC, {machine}; gunicorn {options.workers} sync workers;"
        f" wrk 2 threads, {options.connections} connections, {options.runs} runs of"
        f" {options.duration:g} s; data scale {options.scale:g}; load average"
        f" {load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
    )
    if bench.extra_settings:
        header += f"; settings {bench.extra_settings}"
    footer = [f"Rows: {sizes}."]
    if "password_check_ms" in extras:
        footer.append(
            f"One password check (production Argon2id): {extras['password_check_ms']:.0f} ms."
        )
    for name, extra in extras.items():
        for what, figures in (
            extra.get("documents", {}) if isinstance(extra, dict) else {}
        ).items():
            footer.append(
                f"{name}, {what}: {figures['seconds']:.1f} s, {figures['mb']:.1f} MB sent,"
                f" process grew by {figures['growth_mb']:.1f} MB."
            )
    verdicts = targets_table(goals)
    print()
    print(header)
    print(report)
    print()
    print("\n".join(footer))
    print()
    print(verdicts)
    for line in skipped:
        print(line)
    RESULTS.mkdir(exist_ok=True)
    stamp = f"{started:%Y%m%d-%H%M%S}"
    (RESULTS / f"{stamp}.md").write_text(
        f"{header}\n\n{report}\n\n" + "\n".join(footer) + f"\n\n{verdicts}\n",
        encoding="utf-8",
    )
    (RESULTS / f"{stamp}.json").write_text(
        json.dumps(
            {
                "header": header,
                "bare": asdict(bare),
                "results": [asdict(r) for r in results],
                "backends": [asdict(b) for b in backends],
                "extras": extras,
                "targets": goals,
            },
            indent=1,
        ),
        encoding="utf-8",
    )
    print(f"\nRésultats : {RESULTS / stamp}.md")
    bad = sum(run.bad_responses for r in [bare, *results] for run in r.runs)
    missed = any(met is False for _, _, met, _ in goals)
    return 1 if bad or missed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        stop_all()
        sys.exit("\ninterrompu : serveurs et charges arrêtés.")
