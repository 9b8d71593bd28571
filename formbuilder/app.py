"""The Flask application factory: no app exists at import time, so tests build as many as
they like, each on its own database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from jinja2 import BytecodeCache, ChoiceLoader, FileSystemLoader
from jinja2.bccache import Bucket

from formbuilder import config, files, views
from formbuilder.database import Database
from formbuilder.views import ops
from renderers.html import template_folder


class _CompiledTemplates(BytecodeCache):
    """Compiled templates kept for the life of the process and shared by every app it makes.

    Jinja compiles a template once per environment, and each app has an environment of its
    own, so a process that makes many apps (the tests make one per test; gunicorn's workers
    and the command line make their own) compiled every template again for each. A bucket
    carries its source's checksum, so an edited template is compiled afresh.
    """

    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        compiled = self._compiled.get(bucket.key)
        if compiled is not None:
            bucket.bytecode_from_string(compiled)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._compiled[bucket.key] = bucket.bytecode_to_string()


_COMPILED_TEMPLATES = _CompiledTemplates()


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
    app.extensions["storage"] = files.from_url(app.config.get("STORAGE_URL"), upload_dir)

    app.jinja_options = {**app.jinja_options, "bytecode_cache": _COMPILED_TEMPLATES}
    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(str(Path(__file__).parent / "templates")),
        FileSystemLoader(template_folder()),
    ])
    views.register(app)
    ops.init_app(app)  # health, metrics and request ids, outside the throttled views
    return app
