"""A form's dashboard on PostgreSQL: the page at a large city against a small one, as a ratio,
with the SQL statements per page at both sizes (they must be equal).

The city is ``bench.inbox``'s (a year of submissions of the nine example forms, with their
history and tasks, set-based SQL in a schema of its own, dropped at the end), plus a year of
the funnel's daily page counts. Each case is a whole ``GET /staff/forms/<id>/dashboard``
through Flask's test client, signed in as ``bench.inbox``'s clerk; the median of N runs.
Sizes: 2,000 against 100,000 submissions by default, ``--full`` 10,000 against 1,000,000.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator

from sqlalchemy import text

from bench import common, inbox
from formbuilder.database import Database

FORMS = ("pothole-report", "building-permit")
DEFAULT = inbox.Sizes(small=2_000, large=100_000, runs=9)
FULL = inbox.Sizes(small=10_000, large=1_000_000, runs=25)


def _page_counts(database: Database, per_day: int) -> None:
    """A year of funnel counts for every form: ``per_day`` starts a day, fewer on each page."""
    with database.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO form_page_counts (form_id, day, page, count) "
            "SELECT f.id, (CAST(:now AS timestamptz) - d * interval '1 day')::date, p, "
            "greatest(1, :per_day - p * :per_day / 5) "
            "FROM forms f, generate_series(0, 364) AS d, generate_series(0, 3) AS p "
            "ON CONFLICT (form_id, day, page) DO UPDATE SET count = excluded.count"),
            {"now": inbox.NOW, "per_day": per_day})


def run(quick: bool = False, full: bool = False) -> Iterator[str]:
    sizes = FULL if full else DEFAULT
    if quick:
        sizes = inbox.Sizes(small=1_000, large=20_000, runs=5)
    with common.postgresql_database("dashboard") as database:
        inbox.publish_examples(database)
        yield (f"dashboard: PostgreSQL, {sizes.small:,} against {sizes.large:,} submissions; "
               f"median of {sizes.runs} whole GET /staff/forms/<id>/dashboard pages; "
               "aim: large/small 1.5x or less, same queries")
        results: dict[int, dict[str, inbox.Result]] = {}
        with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as folder:
            counter = inbox.Counter(database)
            client = inbox.clerk_client(database, folder)
            for first, last in ((1, sizes.small), (sizes.small + 1, sizes.large)):
                seconds = inbox.fill(database, first, last)
                _page_counts(database, max(1, last // 365))
                yield f"filled to {last:,} in {seconds:.1f} s: {inbox.totals(database)}"
                results[last] = {
                    form: inbox.measure(client, counter, database,
                                        f"/staff/forms/{form}/dashboard", sizes.runs,
                                        explain=False)
                    for form in FORMS}
        for form in FORMS:
            a, b = results[sizes.small][form], results[sizes.large][form]
            same = "same" if a.queries == b.queries else "DIFFERENT"
            yield (f"{form}: {a.median * 1000:.1f} ms at {sizes.small:,}, {b.median * 1000:.1f} "
                   f"ms at {sizes.large:,}, ratio {b.median / a.median:.2f}x; {a.queries} / "
                   f"{b.queries} SQL queries per page ({same})")
