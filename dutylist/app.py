"""乡镇履职事项清单 revision system: the application factory."""
from __future__ import annotations

from flask import Flask
from sqlalchemy import event

from workflow import permissions

from . import (
    auth,
    backup,
    cli,
    documents,
    errors,
    filings,
    layout,
    models,  # noqa: F401  (every table registered with the metadata, for create_all and Alembic)
    notifications,
    search,
    security,
    signals,
    timefmt,
    transactions,
)
from .api import bp as api_bp
from .config import INSTANCE, ROOT, Config
from .extensions import csrf, db, login_manager, migrate
from .services import law_change, township_counts
from .views import BLUEPRINTS, cells, pages


def create_app(config: dict | None = None) -> Flask:
    """Build the app; `config` overrides settings (tests pass a database URL here)."""
    app = Flask(__name__, instance_path=str(INSTANCE), template_folder="../templates")
    app.config.from_object(Config())
    if config:
        app.config.update(config)

    db.init_app(app)
    with app.app_context():
        _sqlite_page_cache(db.engine, app.config.get("SQLITE_CACHE_MIB", 0))
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    app.jinja_env.globals["perm"] = permissions  # templates ask "may this user …" of the one home

    auth.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    timefmt.init_app(app)
    layout.init_app(app)  # the layout's constant links, built once
    pages.init_app(app)  # ETags, reused pages, gzip
    cells.init_app(app)  # an item's cells as HTML, for every template
    cli.init_app(app)
    transactions.init_app(app)  # a request that only read ends by COMMIT: its prepared statements kept
    for package in (documents, search, notifications, backup, filings):
        package.init_app(app)  # commands, settings and signal subscriptions
    # a published version clears the change-of-law flags it dealt with (services.law_change)
    signals.version_published.connect(law_change.on_version_published)
    township_counts.listen()  # the home page's township counts follow every flush (services.township_counts)
    for bp in BLUEPRINTS:
        app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    return app


def _sqlite_page_cache(engine, mib: int) -> None:
    """SQLITE_CACHE_MIB: each new SQLite connection's page cache (PRAGMA cache_size, negative: KiB)."""
    if engine.dialect.name != "sqlite" or not mib:
        return
    kib = int(mib) * 1024

    def on_connect(dbapi_connection, _record):
        dbapi_connection.execute(f"PRAGMA cache_size = -{kib}")
    event.listen(engine, "connect", on_connect)
