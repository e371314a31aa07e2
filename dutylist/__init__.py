"""乡镇履职事项清单 revision system: the application factory."""
from __future__ import annotations

from flask import Flask

from .config import INSTANCE, ROOT, Config


def create_app(config: dict | None = None) -> Flask:
    """Build the app; `config` overrides settings (tests pass a database URL here)."""
    app = Flask(__name__, instance_path=str(INSTANCE), template_folder="../templates")
    app.config.from_object(Config())
    if config:
        app.config.update(config)

    from . import models  # noqa: F401  (register tables with the metadata)
    from .extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)

    from . import (auth, backup, cli, compare, documents, errors, notifications, oversight, search,
                   security, timefmt)
    from .views import admin, api, history, inbox, lists, revisions

    auth.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    timefmt.init_app(app)
    cli.init_app(app)
    documents.init_app(app)
    for package in (search, compare, oversight, notifications, backup):
        package.init_app(app)
    app.register_blueprint(lists.bp)
    app.register_blueprint(revisions.bp)
    app.register_blueprint(inbox.bp)
    app.register_blueprint(history.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(api.bp)
    return app
