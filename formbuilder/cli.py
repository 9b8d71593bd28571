"""The ``formbuilder`` command: the product's front door for staff and operators."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from schemas import check as check_form
from schemas import load

if TYPE_CHECKING:
    from datetime import datetime

    from flask import Flask
    from sqlalchemy.orm import Session

    from formbuilder.database import Database
    from formbuilder.models import User


class _Commands(click.Group):
    """A setting that cannot be read stops any command with one plain line and status 2,
    not a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        from formbuilder.config import SettingError

        try:
            return super().invoke(ctx)
        except SettingError as error:
            click.echo(f"formbuilder: {error}", err=True)
            ctx.exit(2)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
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


@main.command("import")
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              required=True, help="Where to write the draft form file (YAML).")
@click.option("--id", "form_id", default=None, help="The form's id (default: from the title).")
def import_pdf(pdf: Path, output: Path, form_id: str | None) -> None:
    """Turn a city's PDF form into a draft form file, and list what to check.

    A fillable PDF's fields become questions; a flat PDF's lines are listed to build from.
    The draft passes `formbuilder check` (warnings allowed). Nothing in the PDF is run.
    """
    from formbuilder.services.studio import suggest_id
    from schemas import pdf_import

    if pdf.stat().st_size > pdf_import.MAX_BYTES:
        data = b"%PDF-" + b"\0" * pdf_import.MAX_BYTES  # refused by size before reading it
    else:
        data = pdf.read_bytes()
    try:
        first = pdf_import.read(data, file_name=pdf.name, form_id=form_id or "imported-form")
        if form_id is None:
            first = pdf_import.read(data, file_name=pdf.name, form_id=suggest_id(first.title))
    except pdf_import.ImportRefused as error:
        click.echo(f"{pdf}: {error}", err=True)
        sys.exit(1)
    output.write_text(first.text, encoding="utf-8")
    click.echo(f"Wrote {output}, the form “{first.title}”.")
    for note in first.notes:
        click.echo(f"- {note}")
    for line in first.outline:
        click.echo(f"  outline: {line}")


def _app() -> Flask:
    """The app, imported late so that `formbuilder check` starts without Flask."""
    from formbuilder.app import create_app

    return create_app()


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--by", default=None, help="Who is publishing, recorded with each version.")
def publish(files: tuple[Path, ...], by: str | None) -> None:
    """Publish form files: a new version only for forms whose definition changed.

    Prints every problem exactly as `formbuilder check` does, warnings too, and publishes
    nothing while any file has an error.
    """
    from formbuilder.services.publishing import publish as publish_form

    paths = _expand(files)
    failed = False
    for path in paths:
        problems = check_form(path)
        for problem in problems:
            click.echo(str(problem))
        failed = failed or any(p.severity == "error" for p in problems)
    if failed:
        click.echo("Nothing was published: fix the problems above first.", err=True)
        sys.exit(1)
    forms = [load(path) for path in paths]
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


@main.group()
def users() -> None:
    """Manage staff accounts (residents need none)."""


@contextmanager
def _accounts_session() -> Iterator[Session]:
    """A database session whose failures end the command with a sentence, not a traceback."""
    from sqlalchemy.exc import SQLAlchemyError

    from formbuilder.services.accounts import AccountError

    try:
        with _app().extensions["db"].session() as db:
            yield db
    except AccountError as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        click.echo(f"The database could not be used ({reason}). Is it up to date? "
                   "Run `formbuilder db upgrade`.", err=True)
        sys.exit(1)


@users.command("create")
@click.option("--email", required=True, help="The staff member's email address.")
@click.option("--role", "roles", multiple=True, help="A role to grant; repeat for several.")
@click.option("--admin", is_flag=True, help="May manage accounts and see every submission.")
@click.option("--name", default="", help="The name shown to colleagues.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--no-password", is_flag=True,
              help="No password: the person signs in with the city's single sign-on.")
def users_create(email: str, roles: tuple[str, ...], admin: bool, name: str,
                 password_stdin: bool, no_password: bool) -> None:
    """Create a staff account; asks for the password twice unless --password-stdin."""
    from formbuilder.services import accounts

    password: str | None = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif not no_password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if password is not None:
        problem = accounts.password_problem(password)
        if problem:
            click.echo(problem, err=True)
            sys.exit(1)
    with _accounts_session() as db:
        user = accounts.create_user(db, email, name=name, roles=roles, password=password,
                                    admin=admin)
        click.echo(f"Created {user.email} with roles: {', '.join(sorted(user.roles)) or 'none'}"
                   + (" (admin)" if admin else "") + ".")


@users.command("list")
def users_list() -> None:
    """Every staff account with its roles."""
    from formbuilder.services import accounts

    with _accounts_session() as db:
        found = accounts.all_users(db)
        for user in found:
            state = "deactivated" if not user.active else ("admin" if user.is_admin else "staff")
            click.echo(f"{user.email}\t{state}\t{', '.join(sorted(user.roles)) or '-'}")
        if not found:
            click.echo("No staff accounts yet. Create one with `formbuilder users create`.")


def _find(db: Session, email: str) -> User:
    from formbuilder.services import accounts

    user = accounts.find_user(db, email)
    if user is None:
        raise accounts.AccountError(f"There is no account for {accounts.normal_email(email)}. "
                                    "`formbuilder users list` shows them all.")
    return user


@users.command("set-roles")
@click.option("--email", required=True)
@click.option("--role", "roles", multiple=True, help="The roles to hold (all others are removed).")
def users_set_roles(email: str, roles: tuple[str, ...]) -> None:
    """Replace a staff member's roles with the ones given (none given: no roles)."""
    from formbuilder.services import accounts

    with _accounts_session() as db:
        user = _find(db, email)
        accounts.set_roles(db, user, roles)
        click.echo(f"{user.email} now holds: {', '.join(sorted(user.roles)) or 'no roles'}.")


@users.command("deactivate")
@click.option("--email", required=True)
def users_deactivate(email: str) -> None:
    """Stop a staff member signing in and end their sessions; their history stays."""
    from formbuilder.services import accounts

    with _accounts_session() as db:
        user = _find(db, email)
        accounts.deactivate(db, user)
        click.echo(f"{user.email} is deactivated and signed out everywhere.")


@main.command()
def overdue() -> None:
    """Flag approval steps past their due time and escalate them (run it from cron)."""
    from formbuilder.services.routing import check_overdue

    database = _app().extensions["db"]
    with database.session() as session:
        count = check_overdue(session)
    click.echo(f"{count} overdue or escalation record{'s' if count != 1 else ''} written.")


@main.command()
@click.option("--dry-run", is_flag=True, help="List what would be purged; change nothing.")
def purge(dry_run: bool) -> None:
    """Delete closed submissions past their form's retention, keeping a record of each (the
    daily purge job runs the same); also expired drafts and abandoned uploads."""
    from sqlalchemy.exc import SQLAlchemyError

    from formbuilder.models import utcnow

    app = _app()
    database, now = app.extensions["db"], utcnow()
    try:
        _purge(app, database, now, dry_run)
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        click.echo(f"The database could not be used ({reason}). Is it up to date? "
                   "Run `formbuilder db upgrade`.", err=True)
        sys.exit(1)


def _purge(app: Flask, database: Database, now: datetime, dry_run: bool) -> None:
    from formbuilder.services import retention

    if dry_run:
        due, drafts, uploads = retention.preview(database, now)
        for item in due:
            click.echo(f"{item.reference}\t{item.form_id}\tsubmitted "
                       f"{item.submitted_at:%Y-%m-%d}\tdue {item.due_at:%Y-%m-%d}")
        click.echo(f"Would purge {len(due)} submission{'s' if len(due) != 1 else ''}, "
                   f"{drafts} expired draft{'s' if drafts != 1 else ''} and {uploads} "
                   f"abandoned upload{'s' if uploads != 1 else ''}. Nothing was changed.")
        return
    report = retention.purge(database, app.extensions["storage"], now)
    click.echo(f"Purged {report.submissions} submission{'s' if report.submissions != 1 else ''}"
               f" ({report.events} history events, {report.files} files), {report.drafts} "
               f"expired drafts and {report.abandoned_uploads} abandoned uploads.")


@main.command()
@click.argument("form_id", required=False)
@click.option("--submission", "reference", default=None,
              help="Print this submission (its reference) instead of a blank form.")
@click.option("--output", "-o", required=True, type=click.Path(path_type=Path),
              help="Where to write the PDF.")
@click.option("--lang", default=None,
              help="Language of the PDF (default: the form's, or the resident's for a "
                   "submission).")
@click.option("--version", "version_number", default=None, type=int,
              help="Version of the form to print (default: the newest).")
def pdf(form_id: str | None, reference: str | None, output: Path, lang: str | None,
        version_number: int | None) -> None:
    """Write a blank paper form (FORM_ID, or a form file) or a submission as a PDF."""
    from sqlalchemy.exc import SQLAlchemyError

    if bool(form_id) == bool(reference):
        click.echo("Give either a form id (a blank form) or --submission REFERENCE.", err=True)
        sys.exit(2)
    app = _app()
    city = app.config["CITY_NAME"]
    try:
        data = _pdf_bytes(app, form_id, reference, lang, version_number, city)
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        click.echo(f"The database could not be read ({reason}). Is it up to date? "
                   "Run `formbuilder db upgrade`.", err=True)
        sys.exit(1)
    output.write_bytes(data)
    click.echo(f"Wrote {output} ({len(data):,} bytes).")


def _pdf_bytes(app: Flask, form_id: str | None, reference: str | None, lang: str | None,
               version_number: int | None, city: str) -> bytes:
    from formbuilder.services import documents
    from formbuilder.services.submissions import get_by_reference
    from schemas.i18n import base_language

    with app.extensions["db"].session() as session:
        if reference:
            found = get_by_reference(session, reference)
            if found is None:
                click.echo(f"No submission has the reference {reference.strip()!r}.", err=True)
                sys.exit(1)
            data = documents.submission_pdf(session, app.extensions["storage"], found,
                                            city_name=city, lang=base_language(lang),
                                            time_zone=app.config["TIME_ZONE"])
        else:
            try:
                form = documents.form_to_print(session, str(form_id), version_number)
            except documents.NothingToPrint as error:
                click.echo(str(error), err=True)
                sys.exit(1)
            data = documents.blank_pdf(form, lang or form.default_language, city_name=city)
    return data


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", "-w", default=None, type=click.IntRange(1, 64),
              help="Serve from N gunicorn processes (for a city); without it, one "
                   "development server process.")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Threads per gunicorn process (with --workers).")
def serve(host: str, port: int, workers: int | None, threads: int) -> None:
    """Serve the app: one process, or with --workers N a gunicorn server of N processes.

    Background jobs run in a thread of each web process too, unless
    FORMBUILDER_IN_PROCESS_JOBS=0 (then run `formbuilder worker` beside it, as a city should).
    """
    import socket

    from werkzeug.serving import make_server

    try:  # bind first, so a taken port is the only thing said and nothing has started
        listening = socket.create_server((host, port))
    except OSError as error:
        raise click.ClickException(
            f"Cannot serve on {host}:{port}: {error.strerror or error}. Stop the program "
            f"using that port, or choose another one (make run PORT=8000, or --port 8000)."
        ) from None
    metrics_folder = None
    if workers is not None:  # before the app imports prometheus-client
        from formbuilder import server as gunicorn_server

        metrics_folder = gunicorn_server.share_metrics()
    from formbuilder import logs
    from formbuilder.jobs import worker as jobs_worker

    app = _app()
    app.extensions["db"].upgrade()
    if workers is not None:
        app.extensions["db"].dispose()  # each worker opens its own connections after the fork
        jobs = "with a job worker in each" if jobs_worker.in_process_jobs_enabled(app.config) \
            else "jobs run elsewhere"
        click.echo(f"Serving on http://{host}:{port} from {workers} gunicorn processes "
                   f"({jobs})")
        gunicorn_server.run(listening, workers=workers, threads=threads,
                            metrics_folder=metrics_folder)
        return
    from formbuilder.serving import RequestHandler  # a Server header without versions

    server = make_server(host, port, app, threaded=True, fd=listening.fileno(),
                         request_handler=RequestHandler)
    logs.configure()
    background = None
    if jobs_worker.in_process_jobs_enabled(app.config):
        background = jobs_worker.start_in_process(app)
    click.echo(f"Serving on http://{host}:{port}"
               + (" (with a job worker)" if background else " (jobs run elsewhere)"))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        listening.close()
        if background is not None:
            background.stop.set()


@main.command()
@click.option("--concurrency", "-c", default=1, show_default=True,
              type=click.IntRange(1, 64), help="Worker processes to run.")
@click.option("--once", is_flag=True, help="Run the jobs due now, then exit (for cron).")
@click.option("--metrics-port", default=None, type=click.IntRange(1, 65535),
              help="Serve the workers' metrics (emails, PDFs, jobs) for Prometheus on "
                   "127.0.0.1:PORT.")
def worker(concurrency: int, once: bool, metrics_port: int | None) -> None:
    """Run background jobs (emails, PDFs, webhooks, reminders, purges) until SIGTERM.

    A stopped worker finishes the job it is running first; a killed one loses nothing: its
    jobs run again once their lease expires.
    """
    if metrics_port is not None:
        from formbuilder import server

        if concurrency > 1:  # before prometheus-client is imported: processes share a folder
            server.share_metrics()
        from formbuilder import metrics

        metrics.serve(metrics_port)
    from formbuilder.jobs import worker as jobs_worker

    if concurrency == 1:
        jobs_worker.run_in_this_process(once=once)
        return
    jobs_worker.configure_logging()
    failed = jobs_worker.run_processes(concurrency, once=once)
    if failed:
        click.echo(f"{failed} worker process{'es' if failed != 1 else ''} failed.", err=True)
        sys.exit(1)


def _add_staff_commands() -> None:
    from formbuilder.staff_commands import export, tokens

    main.add_command(export)
    main.add_command(tokens)


_add_staff_commands()
