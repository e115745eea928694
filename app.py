"""Espace Client: the application factory."""

from __future__ import annotations

import sqlite3
import time

from flask import Flask
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine
from werkzeug import routing

import settings
from models import MAX_ID, db
from services import activity_seal
from web import (
    dashboard,
    i18n,
    limits,
    mail_after_response,
    navigation,
    security,
    sessions,
    trailing_slash,
)
from web.extensions import babel, csrf, login_manager, migrate


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """WAL and foreign keys on every SQLite connection.

    The busy timeout is the driver's ``timeout`` (settings.engine_options, from
    SQLITE_BUSY_TIMEOUT_MS): a PRAGMA here would override the setting.
    """
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def ping_when_idle(engine, idle_s: float) -> None:
    """Ping a pooled MariaDB connection before reuse when it sat unused for ``idle_s`` or more.

    SQLAlchemy's ``pool_pre_ping`` pings at every checkout: one round trip more per request on
    a busy server. A connection used a moment ago is alive; one idle for a while may have been
    closed by a server restart or ``wait_timeout``, and is replaced before the request uses it.
    A connection that dies during a request fails that request (the 503 page), and SQLAlchemy
    then renews the whole pool.
    """

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection, record):
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, proxy):
        last = record.info.get("checked_in_at")
        if last is None or time.monotonic() - last < idle_s:  # new, or used a moment ago
            return
        try:
            dbapi_connection.ping(False)  # PyMySQL and mysqlclient: no silent reconnection
        except Exception as error:  # any failure: the pool makes a new connection
            raise exc.DisconnectionError() from error


# On a pooled connection's record: no statement ran since its last commit or rollback.
_TRANSACTION_ENDED = "transaction_ended"


def rollback_on_return_when_needed(engine) -> None:
    """Roll a MariaDB connection back on its return to the pool only if a transaction may be open.

    The pool rolls back every connection it gets back (``pool_reset_on_return``), even when
    the session has just rolled back or committed (SQLAlchemy only knows when ``Connection.close``
    ended the transaction itself): a second ROLLBACK, one more round trip, at the end of every
    request. ``settings.engine_options`` turns the pool's reset off for MySQL/MariaDB; these
    listeners do it instead, unless the connection's last act since its checkout was a commit or
    a rollback through SQLAlchemy.
    """

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, proxy):
        record.info[_TRANSACTION_ENDED] = False  # a raw use of the connection is not seen below

    @event.listens_for(engine, "before_cursor_execute")
    def _statement(conn, cursor, statement, parameters, context, executemany):
        conn.connection.info[_TRANSACTION_ENDED] = False

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _ended(conn):
        conn.connection.info[_TRANSACTION_ENDED] = True

    @event.listens_for(engine, "reset")
    def _reset(dbapi_connection, record, reset_state):
        if needs_rollback_on_return(record, reset_state):
            dbapi_connection.rollback()


def needs_rollback_on_return(record, reset_state) -> bool:
    """Whether a connection coming back to the pool may still hold an open transaction."""
    if reset_state.terminate_only or not reset_state.asyncio_safe:
        return False  # being closed for good, or no I/O allowed here
    return not (reset_state.transaction_was_reset or record.info.get(_TRANSACTION_ENDED))


class IntegerConverter(routing.IntegerConverter):
    """``<int:...>`` in URLs, up to the largest id a database column holds.

    A longer number matches no route (a 404) instead of overflowing SQLite's driver (a 500).
    Same name as Werkzeug's: code that recognises integer arguments by name keeps working.
    """

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def create_app(test_config: dict | None = None) -> Flask:
    """Build the Espace Client application.

    ``test_config`` overrides every other source of configuration; its ``INSTANCE_PATH``, if
    any, replaces the ``instance/`` folder.
    """
    test_config = dict(test_config) if test_config is not None else None
    instance_path = test_config.pop("INSTANCE_PATH", None) if test_config else None
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    app.url_map.converters["int"] = IntegerConverter  # before any route is added
    settings.load(app, test_config)

    db.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("mysql"):
        with app.app_context():
            ping_when_idle(db.engine, app.config["MYSQL_PING_IDLE_S"])
            rollback_on_return_when_needed(db.engine)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    limits.init_app(app)
    login_manager.init_app(app)
    security.init_app(app)
    trailing_slash.init_app(app)
    i18n.register_filters(app)
    navigation.init_app(app)
    dashboard.init_app(app)
    mail_after_response.init_app(app)
    activity_seal.init_app(app)
    sessions.init_app(app)

    from blueprints import register_blueprints
    from commands import register_commands

    register_blueprints(app)
    limits.attach_limits(app)  # after the blueprints: limits are attached by endpoint name
    register_commands(app)
    return app
