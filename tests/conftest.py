"""Fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL comes from TEST_PG_URL (default: postgres on 127.0.0.1, trust auth); a database is
created for the session and dropped after it. Without a server the PostgreSQL half is skipped,
unless REQUIRE_POSTGRES=1 (as in CI), where it fails.
"""
from __future__ import annotations

import contextvars
import os
import re
import threading
import uuid
import weakref
from contextlib import contextmanager

import pytest
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy import event, select

from dutylist.app import create_app
from dutylist.extensions import db
from dutylist.models import Organisation, OrgKind, Role, User
from dutylist.services import passwords
from tests.factories import World

# the browser fixtures (live_server, chromium, context, page), registered once for every module
pytest_plugins = ["tests.browser"]

PG_ADMIN_URL = os.environ.get("TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = ["sqlite", "postgresql"]
PASSWORD = "test-password-123"


def _pg_admin():
    import psycopg
    return psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)


@pytest.fixture(scope="session")
def pg_available():
    try:
        _pg_admin().close()
        return True
    except Exception as exc:  # noqa: BLE001 - any failure means "no server here"
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL required but unavailable: {exc}")
        return False


def _make_database(backend: str, tmp_path_factory, pg_available: bool, label: str):
    """Return (url, dropper) for a new empty database of the backend."""
    if backend == "sqlite":
        path = tmp_path_factory.mktemp(label) / "test.sqlite3"
        return f"sqlite:///{path}", lambda: None
    if not pg_available:
        pytest.skip("PostgreSQL not available")
    name = f"dutylist_test_{label}_{uuid.uuid4().hex[:8]}"
    with _pg_admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with _pg_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    base = re.sub(r"^postgresql(\+psycopg)?://", "postgresql+psycopg://", PG_ADMIN_URL)
    return base.rsplit("/", 1)[0] + f"/{name}", drop


def _build_app(url: str):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "test-secret",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    app.test_client_class = CsrfClient
    with app.app_context():
        db.create_all()
    return app


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture(scope="session")
def _session_app(backend, tmp_path_factory, pg_available):
    url, drop = _make_database(backend, tmp_path_factory, pg_available, "main")
    app = _build_app(url)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    drop()


#: fixtures that serve the app to another thread or process: their tests need real commits
COMMITTING_FIXTURES = frozenset({"live_server", "context", "page", "chromium"})


def pytest_collection_modifyitems(items):
    """A test that runs a server (a browser's live_server) needs its rows committed: mark it `commits`."""
    for item in items:
        if COMMITTING_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.commits)


def _clear_tables() -> None:
    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


class _BoundSessions:
    """The sessions of one rolled-back test, all on one connection, each its own savepoint.

    In production each session (the test's, a request's, a CLI command's) is its own transaction on
    its own connection: what a request commits stays when the test's session rolls back. On one
    connection a savepoint opened earlier encloses the later ones, so ROLLBACK TO it would undo the
    request's work. So when a new session starts, the other sessions' transactions that only read
    are ended first (released quietly, their objects not expired, as an open read transaction on
    another connection would keep them); one that wrote keeps its savepoint, around the new one.
    """

    def __init__(self, conn, base):
        live = weakref.WeakSet()

        owner = threading.get_ident()

        class BoundSession(base):
            def __init__(self, *args, **kw):
                if threading.get_ident() != owner:
                    # a thread the app started (an import job): its own connection, as in production;
                    # it sees only what is committed, and what it commits is cleaned up after the test
                    kw.pop("bind", None)
                    kw.pop("join_transaction_mode", None)
                    super().__init__(*args, **kw)
                    return
                for other in list(live):
                    _end_read(other)
                super().__init__(*args, **kw)
                live.add(self)
                event.listen(self, "after_transaction_end", _reset_wrote)
                event.listen(self, "after_flush", _mark_wrote)

            def get_bind(self, mapper=None, clause=None, bind=None, **kw):
                # Flask-SQLAlchemy's get_bind returns the engine and ignores the session's own bind
                if bind is None and self.bind is not None:
                    return self.bind
                return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kw)

        self.session_class = BoundSession
        self.conn = conn


def _reset_wrote(session, transaction):
    if transaction.parent is None:
        session.info["wrote"] = False


def _mark_wrote(session, flush_context):
    session.info["wrote"] = True


def _end_read(session) -> None:
    if not session.in_transaction() or session.info.get("wrote") or session.new or session.dirty or session.deleted:
        return
    keep, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep
    # a transaction again, not yet on the connection: the test's next rollback() or commit() expires
    # its objects, as ending its read transaction would have
    session.begin()


#: rolled-back tests that committed on another connection as well (listed at the end of the run)
_COMMITTED_ELSEWHERE: list[str] = []


def pytest_terminal_summary(terminalreporter):
    if _COMMITTED_ELSEWHERE:
        terminalreporter.write_sep("-", "tests that committed on another connection (tables emptied after them)")
        for nodeid in _COMMITTED_ELSEWHERE:
            terminalreporter.write_line(nodeid)


@contextmanager
def _rolled_back(nodeid: str = ""):
    """Everything the test and its requests write goes into one transaction, rolled back at the end.

    One connection holds an outer transaction; every session (the test's, and each request's in its
    fresh app context) is bound to it with join_transaction_mode="create_savepoint", so the app's
    commits and rollbacks become RELEASE / ROLLBACK TO SAVEPOINT and behave as they do in production,
    while nothing reaches the database for good. pysqlite would begin and commit on its own around
    SAVEPOINTs: with isolation_level=None it leaves BEGIN and the savepoints to us (SQLAlchemy's
    documented recipe for pysqlite).
    """
    conn = db.engine.connect()
    raw = conn.connection.driver_connection
    sqlite = db.engine.dialect.name == "sqlite"
    if sqlite:
        raw.isolation_level = None
    outer = conn.begin()
    if sqlite:
        conn.exec_driver_sql("BEGIN")
    factory = db.session.session_factory
    saved_class, saved_kw = factory.class_, dict(factory.kw)
    factory.class_ = _BoundSessions(conn, saved_class).session_class
    factory.configure(bind=conn, join_transaction_mode="create_savepoint")
    db.session.remove()
    # a commit on any other connection (a thread, db.engine.begin()) is not rolled back: noticed, and
    # cleaned up the old way, so that a test written without the `commits` marker still leaves nothing
    committed_elsewhere = []
    engine = db.engine

    def on_commit(connection):
        if connection is not conn:
            committed_elsewhere.append(connection)
    event.listen(engine, "commit", on_commit)
    try:
        yield
    finally:
        event.remove(engine, "commit", on_commit)
        db.session.remove()
        factory.class_, factory.kw = saved_class, saved_kw
        outer.rollback()
        if sqlite:
            raw.isolation_level = ""
        conn.close()
        if committed_elsewhere:
            _clear_tables()
            _COMMITTED_ELSEWHERE.append(nodeid)


@pytest.fixture
def app(request, _session_app):
    """An app over an empty database.

    By default the test runs inside one transaction that is rolled back afterwards (see _rolled_back):
    commits through the test client or db.session work as usual. A test marked `commits` (automatic
    for the browser and live-server fixtures) gets real commits, and every table is emptied after it:
    for code that writes through its own connection, another thread or another process.
    """
    with _session_app.app_context():
        if request.node.get_closest_marker("commits"):
            yield _session_app
            _clear_tables()
        else:
            with _rolled_back(request.node.nodeid):
                yield _session_app


@pytest.fixture(scope="session")
def demo_app(backend, tmp_path_factory, pg_available):
    """An app over the demo data (the five sample lists and demo users): read-only tests only."""
    from dutylist.services.demo import seed_demo

    url, drop = _make_database(backend, tmp_path_factory, pg_available, "demo")
    app = _build_app(url)
    with app.app_context():
        seed_demo()
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    drop()


class CsrfClient(FlaskClient):
    """A test client that sends the CSRF token like a browser that loaded the form would.

    Each request runs in a fresh app context (its own `g` and database session), as in
    production, even while the test itself holds one open.
    """

    _token: str | None = None

    def open(self, *args, **kwargs):
        def in_fresh_context():
            _cv_app.set(None)
            return FlaskClient.open(self, *args, **kwargs)
        return contextvars.copy_context().run(in_fresh_context)

    def csrf_token(self) -> str:
        if self._token is None:
            html = self.get("/auth/login").get_data(as_text=True)
            self._token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        return self._token

    def post_form(self, url: str, data: dict | None = None, **kw):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token())
        return self.post(url, data=data, **kw)

    def login(self, username: str, password: str = PASSWORD, **kw):
        return self.post_form("/auth/login", {"username": username, "password": password}, **kw)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def demo_client(demo_app):
    with demo_app.app_context():
        yield demo_app.test_client()


@pytest.fixture
def world(app):
    """The county of tests/factories.py (新疆 > 昌吉州 > 吉木萨尔县 > 大有镇, departments, one user per role, a
    published list), committed. A module that needs more overrides it and asks for `app` itself."""
    return World()


@pytest.fixture
def make_org(app):
    """Return a callable creating an organisation (and, for a township, its county chain)."""
    def _make(name: str, kind: OrgKind, parent: Organisation | None = None) -> Organisation:
        org = Organisation(name=name, kind=kind, parent=parent)
        db.session.add(org)
        db.session.flush()
        return org
    return _make


@pytest.fixture
def make_user(app):
    """Return a callable creating a user with the test password."""
    def _make(username: str, role: Role, organisation: Organisation) -> User:
        user = User(username=username, display_name=username, role=role, organisation=organisation)
        passwords.set_password(user, PASSWORD)
        db.session.add(user)
        db.session.commit()
        return user
    return _make


@pytest.fixture
def drafter(make_org, make_user):
    """大有镇's drafter, with the places above it and nothing else (the sign-in and security tests)."""
    region = make_org("新疆维吾尔自治区", OrgKind.region)
    pref = make_org("昌吉回族自治州", OrgKind.prefecture, region)
    county = make_org("吉木萨尔县", OrgKind.county, pref)
    town = make_org("大有镇", OrgKind.township, county)
    return make_user("dayou-drafter", Role.township_drafter, town)


def find_org(name: str, kind: OrgKind | None = None) -> Organisation:
    stmt = select(Organisation).where(Organisation.name == name)
    if kind:
        stmt = stmt.where(Organisation.kind == kind)
    return db.session.scalars(stmt).one()
