"""A form's dashboard on PostgreSQL: the page at a large city against a small one, as a ratio,
with the SQL statements per page at both sizes (they must be equal).

The city is ``bench.inbox``'s (a year of submissions of the nine example forms, with their
history and tasks, set-based SQL in a schema of its own, dropped at the end), plus a year of
the funnel's daily page counts. Each case is a whole ``GET /staff/forms/<id>/dashboard``
through Flask's test client, signed in as ``bench.inbox``'s clerk; the median of N runs.
Sizes: 2,000 against 100,000 submissions by default, ``--full`` 10,000 against 1,000,000.
"""

from __future__ import annotations

import secrets
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, text

from bench import inbox
from formbuilder.app import create_app
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


def _measure(client, counter: inbox.Counter, url: str, runs: int) -> tuple[float, int]:
    for _ in range(2):
        inbox.get(client, url)
    counter.statements.clear()
    inbox.get(client, url)
    queries = len(counter.statements)
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        inbox.get(client, url)
        times.append(time.perf_counter() - began)
    return statistics.median(times), queries


def run(quick: bool = False, full: bool = False) -> Iterator[str]:
    sizes = FULL if full else DEFAULT
    if quick:
        sizes = inbox.Sizes(small=1_000, large=20_000, runs=5)
    schema = f"bench_dashboard_{secrets.token_hex(4)}"
    database = Database(inbox.POSTGRESQL_URL, schema=schema)
    try:
        database.upgrade()
        inbox.publish_examples(database)
        with database.session() as session:
            from formbuilder.services import accounts

            accounts.create_user(session, inbox.CLERK, name="Dana Reyes",
                                 roles=inbox.CLERK_ROLES, password=inbox.PASSWORD)
        yield (f"dashboard: PostgreSQL, {sizes.small:,} against {sizes.large:,} submissions; "
               f"median of {sizes.runs} whole GET /staff/forms/<id>/dashboard pages; "
               "aim: large/small 1.5x or less, same queries")
        results: dict[int, dict[str, tuple[float, int]]] = {}
        with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as folder:
            app = create_app({"DATABASE": database, "SECRET_KEY": inbox.SECRET_KEY,
                              "TESTING": False, "DEBUG": False,
                              "UPLOAD_DIR": str(Path(folder) / "uploads"),
                              "NOW": lambda: inbox.NOW})
            counter = inbox.Counter(database)
            client = inbox.sign_in(app)
            for first, last in ((1, sizes.small), (sizes.small + 1, sizes.large)):
                seconds = inbox.fill(database, first, last)
                _page_counts(database, max(1, last // 365))
                yield f"filled to {last:,} in {seconds:.1f} s: {inbox.totals(database)}"
                results[last] = {form: _measure(client, counter,
                                                f"/staff/forms/{form}/dashboard", sizes.runs)
                                 for form in FORMS}
        for form in FORMS:
            (a, qa), (b, qb) = results[sizes.small][form], results[sizes.large][form]
            same = "same" if qa == qb else "DIFFERENT"
            yield (f"{form}: {a * 1000:.1f} ms at {sizes.small:,}, {b * 1000:.1f} ms at "
                   f"{sizes.large:,}, ratio {b / a:.2f}x; {qa} / {qb} SQL queries per page "
                   f"({same})")
    finally:
        database.dispose()
        engine = create_engine(inbox.POSTGRESQL_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        engine.dispose()
