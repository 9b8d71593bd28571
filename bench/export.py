"""Exporting a form's submissions on PostgreSQL: rows per second and peak memory, CSV and XLSX.

The export promises bounded memory (keyset batches, CSV streamed, XLSX through openpyxl's
write-only mode), so the figure to watch is peak memory staying flat as the row count grows.
The data is ``bench.inbox``'s city, made with set-based SQL in a schema of its own (dropped at
the end): the pothole report holds 28% of the submissions, with their history. Peak memory is
Python's own allocations during the export (``tracemalloc``), and the process's peak resident
size (``ru_maxrss``) is printed beside it. ``python -m bench export`` exports about 10,000
rows; ``--full`` 100,000, as issue 16 asks.
"""

from __future__ import annotations

import math
import resource
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import func, select

from bench import common, inbox
from formbuilder.database import Database
from formbuilder.models import Submission
from formbuilder.services import exports, submissions_search

FORM_ID = "pothole-report"
ZONE = "America/Chicago"
ROWS, FULL_ROWS, QUICK_ROWS = 10_000, 100_000, 2_000


def _export(database: Database, kind: str, target: Path, *,
            trace: bool) -> tuple[int, float, int]:
    """One export to ``target``: rows written, seconds, peak traced bytes (0 untraced:
    tracing slows Python down, so the time is taken on a run of its own)."""
    filters = submissions_search.Filters()
    if trace:
        tracemalloc.start()
    began = time.perf_counter()
    with database.session(readonly=True) as session:
        shape = exports.layout(session, FORM_ID, ZONE)
        assert shape is not None
        chunks = exports.batches(session, FORM_ID, filters, versions=None, now=inbox.NOW)
        if kind == "csv":
            lines = 0
            with target.open("w", encoding="utf-8", newline="") as handle:
                for text_chunk in exports.csv_text(shape, chunks):
                    handle.write(text_chunk)
                    lines += text_chunk.count("\r\n")
            rows = lines - 1  # the header (answers in this city have no line breaks)
        else:
            counted = _counting(chunks)
            exports.write_xlsx(shape, counted, target)
            rows = counted.rows
    seconds = time.perf_counter() - began
    if not trace:
        return rows, seconds, 0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return rows, seconds, peak


class _counting:
    """The batches, passed through, counting the submissions."""

    def __init__(self, chunks: Iterator[list]) -> None:
        self.chunks, self.rows = chunks, 0

    def __iter__(self) -> Iterator[list]:
        for chunk in self.chunks:
            self.rows += len(chunk)
            yield chunk


def run(quick: bool = False, full: bool = False) -> Iterator[str]:
    wanted = FULL_ROWS if full else QUICK_ROWS if quick else ROWS
    total = math.ceil(wanted / (inbox.FORM_SHARES[FORM_ID] / 100))
    with common.postgresql_database("export") as database:
        inbox.publish_examples(database)
        seconds = inbox.fill(database, 1, total)
        with database.session(readonly=True) as session:
            count = session.scalar(select(func.count()).select_from(Submission)
                                   .where(Submission.form_id == FORM_ID))
        yield (f"export: PostgreSQL, {count:,} {FORM_ID} submissions of {total:,} "
               f"(filled in {seconds:.1f} s); times in {ZONE}")
        with tempfile.TemporaryDirectory(prefix="bench-export-") as folder:
            for kind in ("csv", "xlsx"):
                target = Path(folder) / f"export.{kind}"
                rows, took, _ = _export(database, kind, target, trace=False)
                _, _, peak = _export(database, kind, target, trace=True)
                rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                yield (f"{kind}: {rows:,} rows in {took:.1f} s = {rows / took:,.0f} rows/s; "
                       f"peak traced memory {peak / 1e6:.1f} MB; file "
                       f"{target.stat().st_size / 1e6:.1f} MB; process peak RSS so far "
                       f"{rss:.0f} MB")
