"""The staff inbox on PostgreSQL: 10,000 submissions against 1,000,000, as a ratio.

The inbox is built to cost the same whatever the size of the city (keyset pages, indexed
filters, a fixed number of queries per page). This measures that claim on the test server in
a schema of its own, dropped at the end. The data is made with set-based SQL
(``INSERT ... SELECT ... FROM generate_series``), the same mix at every size: the example
forms published through ``services.publishing``; a year of submissions with names, addresses
and free text in their answers; their history (submitted, step started, decisions, claims,
overdue, escalations, views); and workflow tasks, done ones for every step that ran and open
ones (about 5% of submissions, the recent ones) for many roles, with due dates some of which
have passed, some claimed, some escalated. The small size is filled first and measured, then
the rest is added and everything measured again; secondary indexes are dropped while rows
are added and rebuilt afterwards (from their own definitions), and then VACUUM ANALYZE runs,
as a bulk load is done in production.

Each case is a whole ``GET /staff`` through Flask's test client, signed in through the real
sign-in page as a clerk with two roles: the first page, the second page through the first
page's cursor link, a filter by form, and a search for a surname that about 0.1% of answers
hold. Printed per case: the median wall time of N runs at each size, the ratio large/small
(aim: 1.5x or less) and the SQL statements per page at each size (counted with a
``before_cursor_execute`` listener; they must not change with the size).

``BENCH_EXPLAIN=1`` also prints the EXPLAIN (ANALYZE, BUFFERS) plan of each page's task
query at each size, to find a missing index.
"""

from __future__ import annotations

import html
import os
import re
import statistics
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, event, text

import schemas
from bench import common
from formbuilder.app import create_app
from formbuilder.database import Database
from formbuilder.services import accounts, publishing

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NOW = datetime(2030, 6, 3, 14, 30, tzinfo=UTC)
SECRET_KEY = "bench-inbox"
CLERK = "dana.reyes@city.example.gov"
CLERK_ROLES = ("public-works-dispatch", "zoning-planner")
FILTER_FORM = "building-permit"
PASSWORD = "harbour lantern quietly plum"
COLLEAGUES = ("lee.wong@city.example.gov", "sam.okafor@city.example.gov",
              "ana.garcia@city.example.gov")
# Share of submissions per form, in percent: potholes are the most common, events the rarest.
FORM_SHARES = {"pothole-report": 28, "dog-license": 14, "residential-parking-permit": 13,
               "building-permit": 11, "business-license-renewal": 9,
               "public-records-request": 8, "smoke-alarm-request": 7,
               "block-party-permit": 6, "special-event-permit": 4}
OPEN_DAYS = 90  # submissions older than this are all finished
RARE_SURNAMES = 200  # each in about 0.1% of answers
_NEXT = re.compile(r'<a href="([^"]+)" rel="next">')
_ROW = re.compile(r'<th scope="row">')


@dataclass(frozen=True)
class Sizes:
    small: int
    large: int
    runs: int


FULL = Sizes(small=10_000, large=1_000_000, runs=25)
QUICK = Sizes(small=2_000, large=100_000, runs=9)

_FIRST_NAMES = ["Ana", "Wei", "Sam", "Jo", "Maria", "James", "Li", "Fatima", "Noah", "Olivia",
                "Diego", "Aisha", "Chen", "Grace", "Mateo", "Priya", "Omar", "Emma", "Kofi",
                "Sofia", "Hiro", "Lucia", "Ravi", "Zoe"]
_COMMON_SURNAMES = ["Smith", "Garcia", "Johnson", "Nguyen", "Brown", "Martinez", "Lee",
                    "Rodriguez", "Williams", "Chen", "Lopez", "Davis", "Hernandez", "Patel",
                    "Miller", "Wilson"]
_STREETS = ["Oak Street", "Main Street", "3rd Avenue", "Elm Road", "Harbor Boulevard",
            "Calle Cinco", "Jefferson Avenue", "Maple Lane", "Mission Street", "Park Way",
            "Cedar Court", "River Drive", "Lincoln Avenue", "Sunset Boulevard"]
_WORDS = ("the a near corner of my our house front back yard street lane sidewalk curb car "
          "bike deep large small hole crack water leak tree branch fence garage roof window "
          "door permit renewal dog cat license parking spot visitor guest party block music "
          "tent stage food truck alarm smoke detector kitchen bedroom hallway records email "
          "report copy since last week month year please call before after morning evening "
          "weekend traffic lights school bus stop noise neighbors children elderly mother "
          "father wheelchair ramp access addition deck pool shed basement kitchen remodel "
          "contractor inspection schedule urgent thanks again").split()
_SYLLABLES = ["ba", "de", "ki", "lo", "mu", "na", "pe", "ri", "so", "tu", "va", "ze", "qu",
              "fi", "go", "hy"]


def rare_surnames() -> list[str]:
    """Made-up three-syllable surnames: all as long, so none is a prefix of another (the
    search matches word prefixes), and none a prefix of an ordinary word of the answers."""
    names = []
    for n in range(RARE_SURNAMES):
        a, b, c = n % 16, (n // 16) % 16, (n * 7 + 3) % 16
        names.append((_SYLLABLES[a] + _SYLLABLES[b] + _SYLLABLES[c] + "x").title())
    ordinary = {w.lower() for w in [*_WORDS, *_FIRST_NAMES, *_COMMON_SURNAMES,
                                    *" ".join(_STREETS).split()]}
    assert len(set(names)) == len(names)
    assert not any(o.startswith(n.lower()) for n in names for o in ordinary)
    return names


def _array(words: list[str]) -> str:
    return "ARRAY[" + ", ".join("'" + w.replace("'", "''") + "'" for w in words) + "]"


def _h(seed: int, modulo: int) -> str:
    """A stable pseudo-random number in [0, modulo) for the row ``g``."""
    return f"((hashint8extended(g, {seed}) & 2147483647) % {modulo})::int"


# --- Filling ----------------------------------------------------------------------------------


def publish_examples(database: Database) -> None:
    with database.session() as session:
        for path in sorted(EXAMPLES.glob("*.yaml")):
            publishing.publish(session, schemas.load(path), by="bench", now=NOW)


def prepare(connection: Connection) -> None:
    """The forms' steps and shares as small tables the set-based inserts join against."""
    connection.execute(text(
        "CREATE UNLOGGED TABLE bench_forms (k int PRIMARY KEY, form_id text, version_id int, "
        "version int, prefix text, lo int, hi int, steps int)"))
    connection.execute(text(
        "CREATE UNLOGGED TABLE bench_steps (k int, step int, role text, name text, "
        "due interval, escalate_to text)"))
    versions = connection.execute(text(
        "SELECT id, form_id, number, definition FROM form_versions")).all()
    lo = 0
    for k, (form_id, share) in enumerate(FORM_SHARES.items()):
        version_id, _, number, definition = next(v for v in versions if v.form_id == form_id)
        form = schemas.load_definition(definition, published=True)
        connection.execute(text(
            "INSERT INTO bench_forms VALUES (:k, :form_id, :version_id, :number, :prefix, "
            ":lo, :hi, :steps)"), dict(k=k, form_id=form_id, version_id=version_id,
                                       number=number, prefix=form.reference_prefix, lo=lo,
                                       hi=lo + share, steps=len(form.routing)))
        lo += share
        for index, step in enumerate(form.routing):
            for role in step.assignees:
                connection.execute(text(
                    "INSERT INTO bench_steps VALUES (:k, :step, :role, :name, :due, :esc)"),
                    dict(k=k, step=index, role=role, name=step.name.default[:200],
                         due=step.due, esc=step.escalate_to))
    if lo != 100:
        raise RuntimeError(f"form shares add up to {lo}%, not 100%")


def _plan(first: int, last: int) -> str:
    """One row per submission ``first..last``: its form, age and where its routing is."""
    age = f"({_h(1, 365 * 24 * 60)} * interval '1 minute')"
    return f"""
    INSERT INTO bench_plan
    SELECT g, f.k, f.steps, created,
           CASE WHEN open THEN (CASE WHEN {_h(4, 20)} = 0 THEN 'returned' ELSE 'open' END)
                WHEN {_h(5, 100)} < 14 THEN 'rejected' ELSE 'approved' END,
           CASE WHEN open OR {_h(5, 100)} < 14 THEN {_h(3, 1000)} % f.steps
                ELSE f.steps - 1 END,
           CASE WHEN open THEN :now - created
                ELSE least(:now - created, (1 + {_h(6, 14)}) * interval '1 day') END
    FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS g
    CROSS JOIN LATERAL (SELECT :now - {age} AS created) AS c
    CROSS JOIN LATERAL (SELECT created > :now - interval '{OPEN_DAYS} days'
                               AND {_h(2, OPEN_DAYS * 24)}
                                   >= extract(epoch FROM :now - created) / 3600 AS open) AS o
    JOIN bench_forms f ON {_h(7, 100)} >= f.lo AND {_h(7, 100)} < f.hi
    """


def _submissions() -> str:
    rare = _array(rare_surnames())
    words = _array(_WORDS)
    surname = (f"CASE WHEN {_h(9, 1000)} < {RARE_SURNAMES} THEN ({rare})[1 + {_h(9, 1000)}] "
               f"ELSE ({_array(_COMMON_SURNAMES)})[1 + {_h(10, len(_COMMON_SURNAMES))}] END")
    details = (f"(SELECT string_agg(({words})[1 + (hashint8extended(g * 16 + i, 11) "
               f"& 2147483647) % {len(_WORDS)}], ' ') FROM generate_series(0, 3 + {_h(12, 14)}) "
               "AS i)")
    status = ("CASE p.outcome WHEN 'open' THEN 'in_review' ELSE p.outcome END")
    return f"""
    INSERT INTO submissions (id, reference, form_id, form_version_id, answers, status,
                             language, created_at, updated_at, idempotency_key)
    SELECT g, f.prefix || '-' || extract(year FROM p.created_at)::int || '-'
              || lpad(g::text, 7, '0'),
           f.form_id, f.version_id,
           jsonb_strip_nulls(jsonb_build_object(
               'name', ({_array(_FIRST_NAMES)})[1 + {_h(8, len(_FIRST_NAMES))}] || ' '
                       || {surname},
               'email', 'resident' || {_h(13, 99999)} || '@example.com',
               'phone', CASE WHEN {_h(14, 10)} < 6 THEN '555-' || (100 + {_h(15, 900)}) || '-'
                             || (1000 + {_h(16, 9000)}) END,
               'address', (1 + {_h(17, 2400)}) || ' ' || ({_array(_STREETS)})[1 + {_h(18, 14)}],
               'details', {details},
               'count', {_h(19, 12)},
               'agree', {_h(20, 10)} < 9)),
           {status},
           CASE WHEN {_h(21, 10)} < 7 THEN 'en' WHEN {_h(21, 10)} < 9 THEN 'es' ELSE 'zh' END,
           p.created_at, p.created_at + p.span, NULL
    FROM bench_plan p JOIN bench_forms f ON f.k = p.k
    WHERE p.g BETWEEN :first AND :last
    """


# Step ``s`` of a submission whose current step is ``p.step`` ran from ``opened`` to
# ``closed``: the span up to now (open ones) or to the last decision is shared evenly.
_OPENED = "(p.created_at + p.span * st.step / (p.step + 1))"
_CLOSED = "(p.created_at + p.span * (st.step + 1) / (p.step + 1))"
_IS_OPEN = "(p.outcome = 'open' AND st.step = p.step)"


def _tasks() -> str:
    # Only people who hold the role claim a task: the clerk for the clerk's roles.
    claimed = (f"CASE WHEN {_IS_OPEN} AND hashint8extended(g, 22) & 7 < 3 THEN "
               f"({_array([*COLLEAGUES, CLERK])})[1 + (hashint8extended(g, 23) & 3)"
               f" % (3 + (st.role = ANY({_array(list(CLERK_ROLES))}))::int)] END")
    return f"""
    INSERT INTO workflow_tasks (submission_id, form_id, step, role, name, state, due_at,
                                alarm_at, overdue, escalated_to, claimed_by, submitted_at,
                                opened_at, closed_at)
    SELECT g, f.form_id, st.step, st.role, st.name,
           CASE WHEN {_IS_OPEN} THEN 'open' ELSE 'done' END,
           {_OPENED} + st.due,
           CASE WHEN {_IS_OPEN} AND {_OPENED} + st.due > :now THEN {_OPENED} + st.due END,
           coalesce({_IS_OPEN} AND {_OPENED} + st.due < :now, false),
           CASE WHEN {_IS_OPEN} AND {_OPENED} + st.due * 2 < :now THEN st.escalate_to END,
           {claimed}, p.created_at, {_OPENED},
           CASE WHEN NOT {_IS_OPEN} THEN {_CLOSED} END
    FROM bench_plan p JOIN bench_forms f ON f.k = p.k
    JOIN bench_steps st ON st.k = p.k AND st.step <= p.step
    WHERE p.g BETWEEN :first AND :last
    ORDER BY g, st.step, st.role
    """


def _events() -> str:
    """Each submission's history in order: sent, every step started and decided, then the
    open task's claim, overdue and escalation, and now and then a view."""
    decision = ("CASE WHEN st.step < p.step OR p.outcome = 'approved' THEN 'approved' "
                "ELSE p.outcome END")
    comment = ("CASE p.outcome WHEN 'rejected' THEN 'The application does not meet the "
               "requirements.' WHEN 'returned' THEN 'Please add the missing details.' END")
    steps = ("JOIN (SELECT k, step, min(role) AS role, jsonb_agg(role ORDER BY role) AS roles "
             "FROM bench_steps GROUP BY k, step) st ON st.k = p.k AND st.step <= p.step")
    staff = f"({_array([CLERK, *COLLEAGUES])})[1 + (hashint8extended(g * 8 + st.step, 26) & 3)]"
    return f"""
    INSERT INTO events (submission_id, kind, actor, at, data)
    SELECT g, kind, actor, at, data FROM (
        SELECT g, 0 AS n, 'submitted' AS kind, 'resident' AS actor, p.created_at AS at,
               jsonb_build_object('reference', s.reference, 'form_version', f.version) AS data
        FROM bench_plan p JOIN bench_forms f ON f.k = p.k JOIN submissions s ON s.id = g
        WHERE g BETWEEN :first AND :last
      UNION ALL
        SELECT g, 1 + st.step * 4, 'step_started', 'system', {_OPENED},
               jsonb_build_object('step', st.step, 'roles', st.roles)
        FROM bench_plan p {steps} WHERE g BETWEEN :first AND :last
      UNION ALL
        SELECT g, 2 + st.step * 4, {decision}, {staff}, {_CLOSED},
               jsonb_build_object('step', st.step, 'role', st.role, 'comment',
                                  CASE WHEN st.step = p.step THEN {comment} END)
        FROM bench_plan p {steps}
        WHERE g BETWEEN :first AND :last AND NOT {_IS_OPEN}
      UNION ALL
        SELECT t.submission_id, 100, 'claimed', t.claimed_by, t.opened_at + interval '1 hour',
               jsonb_build_object('step', t.step, 'role', t.role)
        FROM workflow_tasks t WHERE t.state = 'open' AND t.claimed_by IS NOT NULL
          AND t.submission_id BETWEEN :first AND :last
      UNION ALL
        SELECT t.submission_id, 101, 'overdue', 'system', t.due_at,
               jsonb_build_object('step', t.step)
        FROM workflow_tasks t WHERE t.state = 'open' AND t.overdue
          AND t.submission_id BETWEEN :first AND :last
      UNION ALL
        SELECT t.submission_id, 102, 'escalated', 'system', t.opened_at + (t.due_at -
               t.opened_at) * 2, jsonb_build_object('step', t.step, 'to', t.escalated_to)
        FROM workflow_tasks t WHERE t.state = 'open' AND t.escalated_to IS NOT NULL
          AND t.submission_id BETWEEN :first AND :last
      UNION ALL
        SELECT g, 3, 'viewed', ({_array([CLERK, *COLLEAGUES])})[1 + (hashint8extended(g, 24)
               & 3)], p.created_at + p.span / (p.step + 2), '{{}}'::jsonb
        FROM bench_plan p WHERE g BETWEEN :first AND :last AND {_h(25, 3)} = 0
    ) AS history ORDER BY g, n
    """


def fill(database: Database, first: int, last: int) -> float:
    """Add submissions ``first..last`` with their history and tasks; returns the seconds."""
    began = time.perf_counter()
    params = {"first": first, "last": last, "now": NOW}
    with database.engine.begin() as connection:
        connection.execute(text("SET LOCAL work_mem = '128MB'"))
        connection.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
        connection.execute(text("SET LOCAL synchronous_commit = off"))
        if first == 1:
            connection.execute(text(
                "CREATE UNLOGGED TABLE bench_plan (g bigint PRIMARY KEY, k int, steps int, "
                "created_at timestamptz, outcome text, step int, span interval)"))
            prepare(connection)
        indexes = _drop_indexes(connection)
        for statement in (_plan(first, last), _submissions(), _tasks(), _events()):
            connection.execute(text(statement), params)
        for definition in indexes:
            connection.execute(text(definition))
        for table in ("submissions", "events", "workflow_tasks"):
            connection.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"))
        connection.execute(text(
            "INSERT INTO reference_counters (prefix, year, last) "
            "SELECT f.prefix, extract(year FROM p.created_at)::int, max(p.g) "
            "FROM bench_plan p JOIN bench_forms f ON f.k = p.k GROUP BY 1, 2 "
            "ON CONFLICT (prefix, year) DO UPDATE SET last = excluded.last"))
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as auto:
        auto.execute(text("VACUUM (ANALYZE) submissions, events, workflow_tasks"))
    return time.perf_counter() - began


def _drop_indexes(connection: Connection) -> list[str]:
    """Drop the secondary indexes of the big tables (not those behind constraints) and
    return their definitions, to build them again once the rows are in."""
    found = connection.execute(text(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid IN ('submissions'::regclass, 'events'::regclass, "
        "'workflow_tasks'::regclass) AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)")).all()
    for name, _ in found:
        connection.execute(text(f"DROP INDEX {name}"))
    return [definition for _, definition in found]


# --- Measuring --------------------------------------------------------------------------------


class Counter:
    """The SQL statements the engine sends, to count them per page."""

    def __init__(self, database: Database) -> None:
        self.statements: list[tuple[str, Any]] = []
        event.listen(database.engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any,
              _many: bool) -> None:
        self.statements.append((statement, parameters))


def sign_in(app: Flask) -> FlaskClient:
    """A clerk signed in through the real sign-in page, with its CSRF token."""
    client = app.test_client()
    page = client.get("/staff/sign-in").get_data(as_text=True)
    token = common.found(common.CSRF_TOKEN, page, "the sign-in page's CSRF token")
    response = client.post("/staff/sign-in", data={"csrf_token": token,
                                                   "email": CLERK, "password": PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"sign-in failed: {response.status_code}\n"
                           f"{response.get_data(as_text=True)[:1500]}")
    return client


def clerk_client(database: Database, folder: str) -> FlaskClient:
    """The engine on ``database`` as it is deployed (``TESTING`` and debug off), its clock at
    ``NOW``, and the clerk, whose account is made here, signed in to it: how the staff
    benchmarks (this one, ``bench.dashboard``) open their pages."""
    with database.session() as session:
        accounts.create_user(session, CLERK, name="Dana Reyes", roles=CLERK_ROLES,
                             password=PASSWORD)
    app = create_app({"DATABASE": database, "SECRET_KEY": SECRET_KEY, "TESTING": False,
                      "DEBUG": False, "UPLOAD_DIR": str(Path(folder) / "uploads"),
                      "NOW": lambda: NOW})
    return sign_in(app)


def get(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    body = response.get_data(as_text=True)
    if response.status_code != 200:
        raise RuntimeError(f"{url}: {response.status_code}\n{body[:1500]}")
    return body


@dataclass
class Result:
    median: float
    queries: int
    rows: int
    plan: list[str]


def cases(client: FlaskClient, word: str) -> dict[str, str]:
    first = get(client, "/staff")
    found = _NEXT.search(first)
    if found is None:
        raise RuntimeError("the first page has no next page link")
    return {"first page": "/staff", "second page (cursor)": html.unescape(found.group(1)),
            f"filter by form ({FILTER_FORM})": f"/staff?form={FILTER_FORM}",
            f"search “{word}”": f"/staff?q={word}"}


def measure(client: FlaskClient, counter: Counter, database: Database, url: str, runs: int,
            explain: bool) -> Result:
    """One page, timed as the staff benchmarks time theirs: two warm-up loads, one whose SQL
    statements are counted (they must not grow with the city), then the median of ``runs``."""
    for _ in range(2):
        get(client, url)
    counter.statements.clear()
    body = get(client, url)
    statements = list(counter.statements)
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        get(client, url)
        times.append(time.perf_counter() - began)
    plan: list[str] = []
    if explain:
        task_query = next(s for s in statements if "FROM workflow_tasks" in s[0])
        with database.engine.connect() as connection:
            plan = [row[0] for row in connection.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS) " + task_query[0], task_query[1])]
    return Result(statistics.median(times), len(statements), len(_ROW.findall(body)), plan)


def pick_word(database: Database) -> str:
    """The rare surname with the most of the clerk's open tasks at the small size, so the
    search page shows rows at both sizes (each is in about 0.1% of all answers)."""
    with database.engine.connect() as connection:
        counts = dict(connection.execute(text(
            "SELECT split_part(s.answers->>'name', ' ', 2), count(*) FROM workflow_tasks t "
            "JOIN submissions s ON s.id = t.submission_id WHERE t.state = 'open' "
            "AND (t.role = ANY(:mine) OR t.escalated_to = ANY(:mine) OR t.claimed_by = :me) "
            "GROUP BY 1"), {"mine": [*CLERK_ROLES, CLERK], "me": CLERK}).all())
    ranked = sorted(rare_surnames(), key=lambda name: -counts.get(name, 0))
    return ranked[0]


def totals(database: Database) -> str:
    with database.engine.connect() as connection:
        row = connection.execute(text(
            "SELECT (SELECT count(*) FROM submissions), (SELECT count(*) FROM events), "
            "(SELECT count(*) FROM workflow_tasks), "
            "(SELECT count(*) FROM workflow_tasks WHERE state = 'open'), "
            "(SELECT count(*) FROM workflow_tasks WHERE state = 'open' AND due_at < :now), "
            "(SELECT count(*) FROM workflow_tasks WHERE state = 'open' AND (role = ANY(:mine) "
            " OR escalated_to = ANY(:mine) OR claimed_by = :me))"),
            {"now": NOW, "mine": [*CLERK_ROLES, CLERK], "me": CLERK}).one()
    return (f"{row[0]:,} submissions, {row[1]:,} events, {row[2]:,} tasks ({row[3]:,} open, "
            f"{row[4]:,} of them overdue; {row[5]:,} for the clerk)")


def run(quick: bool = False) -> Iterator[str]:
    sizes = QUICK if quick else FULL
    explain = os.environ.get("BENCH_EXPLAIN") == "1"
    with common.postgresql_database("inbox") as database:
        publish_examples(database)
        yield (f"inbox: PostgreSQL, {sizes.small:,} against {sizes.large:,} submissions; "
               f"median of {sizes.runs} whole GET /staff pages per case, signed in with roles "
               f"{', '.join(CLERK_ROLES)}; aim: large/small 1.5x or less, same queries")
        results: dict[int, dict[str, Result]] = {}
        word = ""
        with tempfile.TemporaryDirectory(prefix="bench-inbox-") as folder:
            counter = Counter(database)
            client = clerk_client(database, folder)
            for first, last in ((1, sizes.small), (sizes.small + 1, sizes.large)):
                seconds = fill(database, first, last)
                yield f"filled to {last:,} in {seconds:.1f} s: {totals(database)}"
                word = word or pick_word(database)
                results[last] = {name: measure(client, counter, database, url, sizes.runs,
                                               explain)
                                 for name, url in cases(client, word).items()}
        small, large = results[sizes.small], results[sizes.large]
        for name in small:
            a, b = small[name], large[name]
            same = "same" if a.queries == b.queries else "DIFFERENT"
            yield (f"{name}: {a.median * 1000:.1f} ms at {sizes.small:,}, "
                   f"{b.median * 1000:.1f} ms at {sizes.large:,}, ratio "
                   f"{b.median / a.median:.2f}x; {a.queries} / {b.queries} SQL queries per page "
                   f"({same}); {a.rows} / {b.rows} rows shown")
            for size, result in ((sizes.small, a), (sizes.large, b)):
                if result.plan:
                    yield f"  plan at {size:,}:"
                    yield from (f"    {line}" for line in result.plan)
