"""What kind each test is, and the order the slow kinds start in.

Every test is marked by where it lives and what it runs on, so a run can pick what it needs
(``make test-fast`` leaves out the slow kinds):

``browser``
    under ``tests/browser/``: Chromium, a live server, axe-core.
``load``
    under ``tests/load/``: threads and ``formbuilder worker`` processes against each database.
``postgresql``
    a PostgreSQL parametrisation: a test given the value ``"postgresql"`` by a parameter
    (the ``db``, ``empty_db``, ``backend_db``, ``database`` and ``database_url`` fixtures, or
    an indirect ``parametrize``), or one that asks for ``postgresql_url`` itself.

A new test file needs nothing to be marked: its folder and its fixtures say what it is.

Order: the slow kinds first, then the rest, each kind in collection order. ``make test``
schedules with ``--dist loadgroup --no-loadscope-reorder``: pytest-xdist hands out tests a
few at a time in this order, so the long tests start at once on every worker and the many
short ones fill the gaps at the end instead of one worker finishing a long test alone. A load
test mostly waits on the processes it started, so the load tests are spread among the browser
tests (one after every ``BROWSER_PER_LOAD``): each runs beside a test that keeps the CPU busy,
not beside another that waits. Tests marked ``xdist_group`` (e.g. the example PDFs, rendered
once per group) stay on one worker.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from url_rules import share_url_builders

# Tests never assert on wall-clock time, Hypothesis's included: no per-example deadline and no
# "too slow" health check, which fail on a busy machine and say nothing about the code.
settings.register_profile("formbuilder", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("formbuilder")
# Each test makes an app of its own; the URL builders of their rules are compiled once.
share_url_builders()

TESTS = Path(__file__).resolve().parent
FOLDER_KINDS = {"browser": "browser", "load": "load"}
POSTGRESQL_FIXTURES = {"postgresql_url"}
FIRST = ("load", "browser")  # the slow kinds, started first
BROWSER_PER_LOAD = 2


def folder_kind(item: pytest.Item) -> str | None:
    try:
        parts = Path(item.path).resolve().relative_to(TESTS).parts
    except ValueError:
        return None
    return FOLDER_KINDS.get(parts[0]) if len(parts) > 1 else None


def runs_on_postgresql(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    if callspec is not None and any(
            isinstance(value, str) and value == "postgresql"
            for value in callspec.params.values()):
        return True
    return bool(POSTGRESQL_FIXTURES & set(getattr(item, "fixturenames", ())))


def start_rank(item: pytest.Item) -> int:
    for rank, kind in enumerate(FIRST):
        if item.get_closest_marker(kind) is not None:
            return rank
    return len(FIRST)


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects by these marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        kind = folder_kind(item)
        if kind is not None:
            item.add_marker(kind)
        if runs_on_postgresql(item):
            item.add_marker("postgresql")
    items[:] = start_order(items)


def start_order(items: list[pytest.Item]) -> list[pytest.Item]:
    """The load tests spread among the browser tests, then the rest (see the docstring)."""
    kinds: list[list[pytest.Item]] = [[] for _ in range(len(FIRST) + 1)]
    for item in items:  # each kind keeps its collection order
        kinds[start_rank(item)].append(item)
    load, browser, rest = kinds
    slow: list[pytest.Item] = []
    while load or browser:
        slow += load[:1] + browser[:BROWSER_PER_LOAD]
        del load[:1], browser[:BROWSER_PER_LOAD]
    return slow + rest
