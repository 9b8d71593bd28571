"""The ``formbuilder`` command: the product's front door for staff and operators."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from schemas import FormError, load
from schemas import check as check_form

if TYPE_CHECKING:
    from flask import Flask


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="formbuilder")
def main() -> None:
    """formbuilder: city forms online, from one file per form."""


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--quiet", "-q", is_flag=True, help="Print only problems, not the summary.")
def check(files: tuple[Path, ...], quiet: bool) -> None:
    """Check form files and explain every problem with its file and line.

    Exits with status 1 when any file has a problem (warnings alone do not fail).
    """
    failed = 0
    for path in _expand(files):
        problems = check_form(path)
        errors = [p for p in problems if p.severity == "error"]
        for problem in problems:
            click.echo(str(problem), err=False)
        if errors:
            failed += 1
        elif not quiet:
            warned = f" ({len(problems)} warnings)" if problems else ""
            click.echo(f"{path}: ok{warned}")
    if not quiet:
        count = len(_expand(files))
        summary = f"{count} form file{'s' if count != 1 else ''} checked"
        click.echo(f"{summary}, {failed} with problems." if failed else f"{summary}, all good.")
    sys.exit(1 if failed else 0)


def _expand(files: tuple[Path, ...]) -> list[Path]:
    """Folders stand for the form files inside them."""
    expanded: list[Path] = []
    for path in files:
        if path.is_dir():
            expanded += sorted(p for p in path.iterdir()
                               if p.suffix.lower() in (".yaml", ".yml", ".json"))
        else:
            expanded.append(path)
    return expanded


def _app() -> Flask:
    """The app, imported late so that `formbuilder check` starts without Flask."""
    from formbuilder.app import create_app

    return create_app()


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--by", default=None, help="Who is publishing, recorded with each version.")
def publish(files: tuple[Path, ...], by: str | None) -> None:
    """Publish form files: a new version only for forms whose definition changed."""
    from formbuilder.services.publishing import publish as publish_form

    forms = []
    failed = False
    for path in _expand(files):
        try:
            forms.append(load(path))
        except FormError as error:
            failed = True
            for problem in error.problems:
                click.echo(str(problem), err=True)
    if failed:
        click.echo("Nothing was published: fix the problems above first.", err=True)
        sys.exit(1)
    database = _app().extensions["db"]
    with database.session() as session:
        for form in forms:
            version, created = publish_form(session, form, by=by)
            state = "published" if created else "unchanged"
            click.echo(f"{form.id}: version {version.number} ({state})")


@main.group()
def db() -> None:
    """Manage the database."""


@db.command()
def upgrade() -> None:
    """Bring the database up to date with the newest migrations."""
    database = _app().extensions["db"]
    database.upgrade()
    click.echo(f"Database is at revision {database.revision()}.")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Serve the app (one process; use gunicorn 'formbuilder.wsgi:app' for several)."""
    from werkzeug.serving import run_simple

    app = _app()
    app.extensions["db"].upgrade()
    click.echo(f"Serving on http://{host}:{port}")
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)
