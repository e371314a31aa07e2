"""How a request's transaction ends when it wrote nothing: COMMIT, where it used to be ROLLBACK.

psycopg deallocates every prepared statement of a connection on ROLLBACK (a rolled-back transaction may have
dropped what they refer to), and Flask-SQLAlchemy ends every request by closing its session, which rolls back.
So on PostgreSQL no statement outlived its request: every one was parsed and planned again on every page (at
40,000 townships the search page's planning alone cost ~1.7 ms of the database's CPU per request, bench/RESULTS.md,
issue 17, ninth round). A transaction that ran nothing but SELECTs is ended by COMMIT instead, which changes nothing
in the database and keeps the connection's prepared statements (psycopg prepares a statement on its fifth run on a
connection; PostgreSQL then plans it once, generically, where that is no dearer than planning it each time).

Only on PostgreSQL (psycopg): on SQLite a commit would keep nothing a rollback drops, and it costs a little more
(callgrind: +1.2 % instructions for the list page rendered anew), so there every request ends as it did.

Everything else still ends as before: a request that raised, that has changes in its session it did not commit, or
whose transaction sent anything but a SELECT (an INSERT, UPDATE or DELETE, whether flushed by the ORM or executed
directly) is rolled back by the session's close, so nothing a request left half-done is ever kept.

PG_PREPARE_THRESHOLD (config.prepare_threshold) sets when psycopg prepares; "off" behind a pooler that cannot
keep prepared statements (PgBouncer in transaction mode before 1.21).
"""
from __future__ import annotations

import logging
import re

from flask import Flask
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db

log = logging.getLogger(__name__)

#: connection.info key: whether the connection's current transaction sent anything but a SELECT
WROTE = "dutylist.transaction_wrote"
_SELECT = re.compile(r"\s*select\b", re.IGNORECASE)


def _begin(connection) -> None:
    connection.info[WROTE] = False


def _before_execute(connection, _cursor, statement, _parameters, _context, _executemany) -> None:
    if not _SELECT.match(statement):
        connection.info[WROTE] = True


def end_read_only(exc: BaseException | None = None) -> None:
    """At the end of a request (before the session is closed): commit a transaction that only read."""
    if not db.session.registry.has():
        return
    session = db.session()
    transaction = session.get_transaction()
    # not after a failure, nor a flush that failed and was caught (the transaction no longer active), nor with changes
    if exc is not None or transaction is None or not transaction.is_active or session.new or session.dirty \
            or session.deleted:
        return
    if session.connection().info.get(WROTE, True):
        return
    # the session's objects are left as its close leaves them (loaded, detached), not expired as after a write:
    # whatever keeps one past the request (a test, a command) still reads it
    keep, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    except SQLAlchemyError as error:  # e.g. the database went away: the page was read; the close rolls back
        log.warning("ending a read-only transaction failed: %s", error)
    finally:
        session.expire_on_commit = keep


def init_app(app: Flask) -> None:
    """After db.init_app (teardown functions run in reverse order, so this one runs before the session's close);
    PostgreSQL through psycopg only."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.driver != "psycopg":
        return  # SQLite keeps nothing across a rollback that a commit would keep: its requests end as they did
    if not event.contains(engine, "begin", _begin):
        event.listen(engine, "begin", _begin)
        event.listen(engine, "before_cursor_execute", _before_execute)
        threshold = app.config.get("PG_PREPARE_THRESHOLD", 5)

        def on_connect(dbapi_connection, _record):
            dbapi_connection.prepare_threshold = threshold
        event.listen(engine, "connect", on_connect)
    app.teardown_appcontext(end_read_only)
