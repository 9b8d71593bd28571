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
