"""``make bench``: Espace Client under load, next to a bare Flask route, on SQLite and MariaDB.

Each app is served by gunicorn (2 sync workers, production settings: strong secret key, ALTCHA,
HTTPS forced behind a proxy that says ``X-Forwarded-Proto: https``) and loaded by wrk from another
process on 127.0.0.1. For each page of ``bench/pages.py``: requests per second, p50 and p99
latency (two back-to-back runs and their spread), SQL queries per request (counted in-process
through the test client on the same data) and the throughput ratio to the bare route.

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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

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


def wrk(port: int, url: str, headers: dict, seconds: float, connections: int) -> Run:
    """Load ``url`` for ``seconds`` with wrk (2 threads) and return its figures."""
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{round(seconds)}s", "--timeout", "5s", "--latency"]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    cmd.append(f"http://127.0.0.1:{port}{url}")
    process = start(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output, _ = process.communicate(timeout=seconds + 30)
    finally:
        stop(process)
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


def flask(env: dict, *args: str) -> str:
    """Run ``flask --app bench.wsgi ARGS`` (the app as served) and return its output."""
    process = start(
        [sys.executable, "-m", "flask", "--app", "bench.wsgi", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output, _ = process.communicate(timeout=300)
    finally:
        stop(process)
    if process.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} a échoué :\n{output}")
    return output


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

    return create_app({**settings, "INSTANCE_PATH": str(instance)})


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


def settle_cookie(app, page: Page, headers: dict) -> dict:
    """``headers`` with the session cookie a browser holds after loading ``page`` a few times.

    The first visits change the session (CSRF token, Flask-Login's freshness mark); measuring
    with the cookie of before would re-sign and re-send the session on every request, which a
    returning browser does not cause.
    """
    name = app.config["SESSION_COOKIE_NAME"]
    client = app.test_client(use_cookies=False)
    for _ in range(4):
        response = client.get(page.url, headers=headers)
        cookies = [c.split(";", 1)[0] for c in response.headers.getlist("Set-Cookie")]
        session_cookies = [c for c in cookies if c.startswith(f"{name}=")]
        if not session_cookies:
            return headers
        headers = {**headers, "Cookie": session_cookies[-1]}
    # Changed at every request (an idle-timeout stamp, say): browsers get a new cookie each time
    # too, so the measure stays fair.
    print(f"  ({page.url} renvoie un cookie de session à chaque requête)")
    return headers


def queries_per_request(app, page: Page, headers: dict) -> tuple[int, int]:
    """SQL statements run by one request of ``page`` (after a warm-up one), and its status."""
    from sqlalchemy import event

    from models import db

    count = 0

    def counter(*args):
        nonlocal count
        count += 1

    with app.app_context():
        engine = db.engine
    client = app.test_client(use_cookies=False)
    client.get(page.url, headers=headers)
    event.listen(engine, "before_cursor_execute", counter)
    try:
        status = client.get(page.url, headers=headers).status_code
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    return count, status


# --- measuring -----------------------------------------------------------------------------


@dataclass
class Result:
    backend: str
    page: str
    role: str
    url: str
    runs: list[Run] = field(default_factory=list)
    bare_runs: list[Run] = field(default_factory=list)  # the bare route, each just before a run
    queries: int | None = None

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

    def load(self, port: int, url: str, headers: dict, seconds: int) -> Run:
        return wrk(port, url, headers, seconds, self.options.connections)

    def measure(self, result: Result, port: int, headers: dict) -> Result:
        """Warm-up, then back-to-back runs, each just after a run of the bare route.

        Alternating keeps the ratio honest on a machine whose load changes from minute to minute.
        """
        print(f"  {result.page} ...", end="", flush=True)
        self.load(port, result.url, headers, self.options.warmup)
        for _ in range(self.options.runs):
            bare = self.load(self.bare_port, "/", PROXY_HEADERS, self.options.duration)
            result.bare_runs.append(bare)
            self.bare.runs.append(bare)
            result.runs.append(self.load(port, result.url, headers, self.options.duration))
        print(f" {result.rps:.0f} req/s, {result.ratio:.2f} of the bare route")
        return result


def bare_server(workdir: Path) -> Server:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    return Server("bench.bare:application", env, workdir, "/")


def bench_backend(bench: Bench, backend: str, database_url: str, workdir: Path) -> list[Result]:
    """Migrate, fill, serve and load every page on one database."""
    print(f"== Espace Client sur {backend}")
    instance = workdir / f"instance-{backend}"
    instance.mkdir()
    settings = production_settings(database_url, instance) | bench.extra_settings
    env = environment(settings, instance)
    flask(env, "db", "upgrade")
    flask(env, "demo")
    app = in_process_app(settings, instance)
    counts = prepare_data(app)
    print("  données : " + ", ".join(f"{t} {n}" for t, n in counts.items()))
    wanted = bench.options.pages
    pages = [p for p in PAGES if not wanted or p.name in wanted]
    cookies = {role: session_cookie(app, role) for role in {p.role for p in pages}}
    results = []
    with Server("bench.wsgi:application", env, workdir, "/health") as server:
        for page in pages:
            headers = dict(PROXY_HEADERS)
            if cookies[page.role]:
                headers["Cookie"] = cookies[page.role]
            headers = settle_cookie(app, page, headers)
            queries, status = queries_per_request(app, page, headers)
            served = get(server.port, page.url, headers)
            if page.status not in (status, served):
                raise SystemExit(
                    f"{page.url} ({page.role}) répond {status} en test et {served} servi,"
                    f" {page.status} attendu : la mesure n'aurait pas de sens."
                )
            result = Result(backend, page.name, page.role, page.url, queries=queries)
            results.append(bench.measure(result, server.port, headers))
    with app.app_context():
        from models import db

        db.engine.dispose()
    return results


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
    """The results as a Markdown table."""
    lines = [
        "| Database | Page | Role | req/s (spread) | p50 ms | p99 ms | Queries | vs bare |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in [bare, *results]:
        queries = "-" if r.queries is None else str(r.queries)
        bad = sum(run.bad_responses for run in r.runs)
        warn = f" ⚠ {bad} bad" if bad else ""
        lines.append(
            f"| {r.backend} | {r.page} | {r.role} | {r.rps:.0f} (±{r.spread / 2:.0%}){warn}"
            f" | {r.mean('p50_ms'):.1f} | {r.mean('p99_ms'):.1f} | {queries} | {r.ratio:.2f} |"
        )
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=8, help="seconds per run (8)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up (2)")
    parser.add_argument("--runs", type=int, default=2, help="back-to-back runs (2)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (32)")
    parser.add_argument(
        "--backends", default="sqlite,mariadb", help="sqlite,mariadb (both by default)"
    )
    parser.add_argument("--pages", nargs="*", help="names of pages in bench/pages.py (all)")
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
    skipped = []
    with tempfile.TemporaryDirectory(prefix="espace-client-bench-") as tmp:
        workdir = Path(tmp)
        try:
            with bare_server(workdir) as bare:
                bench = Bench(options, bare.port)
                bench.load(bare.port, "/", PROXY_HEADERS, options.warmup)
                for backend in options.backends.split(","):
                    if backend == "sqlite":
                        url = f"sqlite:///{workdir / 'bench.sqlite'}"
                        results += bench_backend(bench, "SQLite", url, workdir)
                    elif backend == "mariadb":
                        url = options.mariadb_url
                        problem = prepare_mariadb(url)
                        if problem:
                            skipped.append(f"MariaDB ignorée : {problem}")
                            print(skipped[-1])
                            continue
                        try:
                            results += bench_backend(bench, "MariaDB", url, workdir)
                        finally:
                            drop_every_table(url)
                    else:
                        raise SystemExit(f"base inconnue : {backend}")
        finally:
            stop_all()
    bare = bench.bare

    report = table(results, bare)
    machine = f"{os.cpu_count()} cores, {os.uname().sysname} {os.uname().release}"
    header = (
        f"{started:%Y-%m-%d %H:%M} UTC, {machine}; gunicorn 2 sync workers; wrk 2 threads,"
        f" {options.connections} connections, {options.runs} runs of {options.duration:g} s;"
        f" load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
    )
    if bench.extra_settings:
        header += f"; settings {bench.extra_settings}"
    print()
    print(header)
    print(report)
    for line in skipped:
        print(line)
    RESULTS.mkdir(exist_ok=True)
    stamp = f"{started:%Y%m%d-%H%M%S}"
    (RESULTS / f"{stamp}.md").write_text(f"{header}\n\n{report}\n", encoding="utf-8")
    (RESULTS / f"{stamp}.json").write_text(
        json.dumps(
            {"header": header, "bare": asdict(bare), "results": [asdict(r) for r in results]},
            indent=1,
        ),
        encoding="utf-8",
    )
    print(f"\nRésultats : {RESULTS / stamp}.md")
    bad = sum(run.bad_responses for r in [bare, *results] for run in r.runs)
    return 1 if bad else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        stop_all()
        sys.exit("\ninterrompu : serveurs et charges arrêtés.")
