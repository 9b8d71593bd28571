"""``formbuilder export`` and ``formbuilder tokens``: staff work from the command line.

Kept apart from ``cli.py`` (which adds them to the ``formbuilder`` group), so the commands
every operator needs first stay short to read.
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import click


def _app():
    from formbuilder.app import create_app

    return create_app()


@click.command("export")
@click.argument("form_id")
@click.option("--format", "kind", type=click.Choice(["csv", "xlsx"]), default="csv",
              show_default=True)
@click.option("--from", "since", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Only submissions sent on or after this day (YYYY-MM-DD).")
@click.option("--to", "until", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Only submissions sent on or before this day.")
@click.option("--status", default=None, help="Only submissions with this status.")
@click.option("--output", "-o", required=True, type=click.Path(path_type=Path, dir_okay=False))
def export(form_id: str, kind: str, since: datetime | None, until: datetime | None,
           status: str | None, output: Path) -> None:
    """Write a form's submissions to FILE, one column per question.

    A form with repeating groups gets their items, one row each, in a second sheet (XLSX)
    or in FILE-items.csv beside it (CSV). The export is recorded in the audit log.
    """
    from formbuilder.services import audit, exports, submissions_search

    app = _app()
    database = app.extensions["db"]
    filters = submissions_search.Filters(
        status=status, submitted_from=since.date() if since else None,
        submitted_to=until.date() if until else None)
    if status and status not in submissions_search.STATUSES:
        click.echo(f"--status must be one of {', '.join(submissions_search.STATUSES)}.",
                   err=True)
        sys.exit(2)
    zone = app.config.get("TIME_ZONE") or "UTC"
    now = datetime.now(UTC)
    with database.session() as session:
        shape = exports.layout(session, form_id, zone)
        if shape is None:
            click.echo(f"No form `{form_id}` is published.", err=True)
            sys.exit(1)
        audit.record(session, "command line", "exported", target=form_id, form_id=form_id,
                     detail={"format": kind, "status": status, "file": output.name,
                             "from": _day(since), "to": _day(until)})
    with database.session(readonly=True) as session:
        def chunks() -> Any:
            return exports.batches(session, form_id, filters, versions=None, now=now)

        if kind == "xlsx":
            count = exports.write_xlsx(shape, chunks(), output)
            click.echo(f"{output}: {count} submissions")
            return
        with output.open("w", newline="", encoding="utf-8") as handle:
            for text in exports.csv_text(shape, chunks()):
                handle.write(text)
        click.echo(f"{output}: written")
        if shape.repeats:
            items = output.with_name(f"{output.stem}-items{output.suffix or '.csv'}")
            with items.open("w", newline="", encoding="utf-8") as handle:
                for text in exports.csv_text(shape, chunks(), items=True):
                    handle.write(text)
            click.echo(f"{items}: the items of repeating groups")


def _day(moment: datetime | None) -> str | None:
    return date.isoformat(moment.date()) if moment else None


@click.group("tokens")
def tokens() -> None:
    """API tokens for the city's other systems (see /api/v1/openapi.json)."""


@tokens.command("create")
@click.option("--name", required=True, help="The integration that will use the token.")
@click.option("--scope", "scopes", multiple=True, required=True,
              type=click.Choice(["read", "decide", "submit"]),
              help="What it may do; repeat for several.")
@click.option("--by", default="command line", show_default=True,
              help="Who made it, for the audit log.")
def tokens_create(name: str, scopes: tuple[str, ...], by: str) -> None:
    """Make a token and print it, once: only its hash is kept."""
    from formbuilder.services import api_tokens, audit

    with _app().extensions["db"].session() as session:
        try:
            row, token = api_tokens.create(session, name, scopes, by=by)
        except api_tokens.TokenError as error:
            click.echo(str(error), err=True)
            sys.exit(2)
        audit.record(session, by, "token_created", target=row.name,
                     detail={"id": row.id, "scopes": row.scopes})
        click.echo(f"Token {row.id} for {row.name} ({row.scopes}). Copy it now; it is not "
                   "shown again:", err=True)
        click.echo(token)


@tokens.command("list")
def tokens_list() -> None:
    """Every token: id, name, scopes, its first characters, when made and last used."""
    from formbuilder.services import api_tokens

    with _app().extensions["db"].session(readonly=True) as session:
        for row in api_tokens.every(session):
            state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "live"
            used = f"{row.last_used_at:%Y-%m-%d %H:%M} UTC" if row.last_used_at else "never"
            click.echo(f"{row.id}\t{row.name}\t{row.scopes}\t{row.prefix}…\t{state}\t"
                       f"last used {used}")


@tokens.command("revoke")
@click.argument("token_id", type=int)
@click.option("--by", default="command line", show_default=True)
def tokens_revoke(token_id: int, by: str) -> None:
    """Revoke a token at once (its id is in `tokens list`)."""
    from formbuilder.services import api_tokens, audit

    with _app().extensions["db"].session() as session:
        row = api_tokens.revoke(session, token_id)
        if row is None:
            click.echo(f"No token has the id {token_id}; `formbuilder tokens list` shows them.",
                       err=True)
            sys.exit(1)
        audit.record(session, by, "token_revoked", target=row.name, detail={"id": row.id})
        click.echo(f"Token {row.id} ({row.name}) is revoked.")
