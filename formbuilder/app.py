"""The Flask application factory: no app exists at import time, so tests build as many as
they like, each on its own database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, render_template
from jinja2 import ChoiceLoader, FileSystemLoader
from werkzeug.exceptions import HTTPException

from formbuilder import config, i18n, security
from formbuilder.database import Database
from formbuilder.storage import LocalStorage
from renderers.html import template_folder


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(config.DEFAULTS)
    app.config.update(config.from_environment())
    if test_config:
        app.config.update(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config.instance_secret(app.instance_path)
    database = app.config.get("DATABASE")  # tests hand over a migrated database
    if database is None:
        url = app.config.get("DATABASE_URL") or \
            f"sqlite:///{Path(app.instance_path)}/formbuilder.db"
        database = Database(url)
    app.extensions["db"] = database
    upload_dir = app.config.get("UPLOAD_DIR") or str(Path(app.instance_path) / "uploads")
    app.extensions["storage"] = LocalStorage(upload_dir)

    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(str(Path(__file__).parent / "templates")),
        FileSystemLoader(template_folder()),
    ])
    i18n.init_app(app)
    security.protect(app)
    _error_pages(app)

    from formbuilder.public import blueprint as public
    from formbuilder.staff import blueprint as staff

    app.register_blueprint(public)
    app.register_blueprint(staff)
    from formbuilder.admin import blueprint as admin
    from formbuilder.auth import blueprint as auth
    from formbuilder.oidc import blueprint as oidc

    app.register_blueprint(auth)
    app.register_blueprint(admin)
    app.register_blueprint(oidc)
    from formbuilder.jobs.views import blueprint as jobs

    app.register_blueprint(jobs)
    return app


def _error_pages(app: Flask) -> None:
    """Every error is a page in the resident's language, never a traceback."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        code = error.code or 500
        return render_template("error.html", code=code, error=error), code

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[str, int]:
        app.logger.exception("Unexpected error")
        return render_template("error.html", code=500, error=None), 500
