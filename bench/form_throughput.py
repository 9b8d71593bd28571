"""Form throughput: the engine against the same pothole form written by hand in Flask + WTForms.

Both apps run in this process behind Flask's test client (no network), each on its own
migrated SQLite file with the pothole form published, with the same session cookie, CSRF and
database work (``bench.handwritten_pothole`` says what the hand-written app does). The engine
runs as it is deployed: ``TESTING`` and debug off, so templates are compiled once and cached.

Two measurements, each after a warm-up, in three rounds in which the apps take turns in short
blocks; the median round is printed:

- form GET: a resident with a draft opens page 2 (the radios page), again and again;
- submit journey: a new resident opens page 1, posts pages 1 to 3 (page 2 as
  ``multipart/form-data``, as browsers send a page with a file input), opens the check page
  and sends the form: six requests and one stored submission.

Rates are per second of this process's CPU time (``time.process_time``): both apps run
single-threaded in this process, so that is what their work costs, and other programs busy on
the same machine (a test suite, a browser) do not count, as they would on a wall clock.

The aim is the engine at 0.8x the hand-written app or better. Times are printed, never
asserted; what is checked is that every request got the answer a resident would (status codes,
redirects) and that each database ends with one submission per journey, references without gaps.
"""

from __future__ import annotations

import re
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

import schemas
from bench import common, handwritten_pothole
from formbuilder.app import create_app
from formbuilder.database import Database
from formbuilder.models import Submission
from formbuilder.services import publishing

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "pothole-report.yaml"
URL = f"/forms/{handwritten_pothole.FORM_ID}"
SECRET_KEY = "bench-form-throughput"
ROUNDS = 3
ANSWERS = {
    1: {"location": "Corner of Main St & 2nd Ave", "position": "traffic_lane"},
    2: {"size": "large", "lanes_blocked": "yes"},
    3: {"name": "Ana García", "email": "ana@example.org", "phone": "555-555-0123"},
}
_KEY = re.compile(r'name="key" value="([^"]+)"')
_REFERENCE = re.compile(r"-(\d{6})$")


@dataclass(frozen=True)
class Sizes:
    """Requests per app and round; a round alternates the apps ``blocks`` times."""

    gets: int
    journeys: int
    blocks: int
    warm_gets: int
    warm_journeys: int


FULL = Sizes(gets=2_000, journeys=200, blocks=10, warm_gets=200, warm_journeys=20)
QUICK = Sizes(gets=60, journeys=6, blocks=3, warm_gets=10, warm_journeys=2)


# --- The apps -------------------------------------------------------------------------------------


def databases(folder: Path, names: list[str]) -> list[Database]:
    """A migrated SQLite file per name, each with the pothole form published."""
    template = folder / "template.db"
    database = Database(f"sqlite:///{template}")
    database.upgrade()
    database.dispose()  # folds the WAL into the file before it is copied
    found = []
    for name in names:
        path = folder / f"{name}.db"
        shutil.copyfile(template, path)
        database = Database(f"sqlite:///{path}")
        with database.session() as session:
            publishing.publish(session, schemas.load(EXAMPLE))
        found.append(database)
    return found


def engine_app(database: Database, folder: Path) -> Flask:
    # One client sends every journey; the per-client throttle would answer 429 after a few
    # dozen, and the handwritten baseline has none: measure the engine, not the throttle.
    return create_app({"DATABASE": database, "SECRET_KEY": SECRET_KEY, "TESTING": False,
                       "DEBUG": False, "UPLOAD_DIR": str(folder / "engine-uploads"),
                       "RATELIMIT_ENABLED": False})


def handwritten_app(database: Database, folder: Path) -> Flask:
    return handwritten_pothole.create_app(database, secret_key=SECRET_KEY,
                                          upload_dir=folder / "handwritten-uploads")


# --- A resident -----------------------------------------------------------------------------------


def _expect(response: Any, status: int, what: str) -> str:
    body = response.get_data(as_text=True)
    if response.status_code != status:
        raise RuntimeError(f"{what}: expected {status}, got {response.status_code}\n{body[:1500]}")
    return body


def start(client: FlaskClient) -> str:
    """Open page 1 and post it: the resident now has a draft. Returns the CSRF token."""
    page = _expect(client.get(f"{URL}/1"), 200, "page 1")
    token = common.found(common.CSRF_TOKEN, page, "CSRF token")
    response = client.post(f"{URL}/1", data={"csrf_token": token, **ANSWERS[1]})
    _expect(response, 302, "posting page 1")
    return token


def journey(client: FlaskClient) -> str:
    """A new resident's whole visit, from page 1 to the stored submission; its reference."""
    token = start(client)
    for number in (2, 3):
        multipart = {"content_type": "multipart/form-data"} if number == 2 else {}
        response = client.post(f"{URL}/{number}", data={"csrf_token": token, **ANSWERS[number]},
                               **multipart)
        _expect(response, 302, f"posting page {number}")
    check = _expect(client.get(f"{URL}/check"), 200, "check page")
    key = common.found(_KEY, check, "submission key")
    response = client.post(f"{URL}/submit", data={"csrf_token": token, "key": key})
    _expect(response, 302, "submit")
    if f"{URL}/done/" not in response.headers["Location"]:
        raise RuntimeError(f"submit went to {response.headers['Location']}, not done")
    return response.headers["Location"].rsplit("/", 1)[1]


def resident_on_page_2(app: Flask) -> FlaskClient:
    """A resident who has answered page 1 and sees page 2 (the radios page)."""
    client = app.test_client()
    start(client)
    if "radios__input" not in _expect(client.get(f"{URL}/2"), 200, "page 2"):
        raise RuntimeError("page 2 has no radios")
    return client


def page_gets(client: FlaskClient, count: int) -> float:
    """CPU seconds spent opening page 2 ``count`` times."""
    began = time.process_time()
    for _ in range(count):
        response = client.get(f"{URL}/2")
        if response.status_code != 200:
            _expect(response, 200, "page 2")
    return time.process_time() - began


def journeys(app: Flask, count: int) -> float:
    """CPU seconds spent on ``count`` whole visits, each by a new resident (a new cookie jar)."""
    began = time.process_time()
    for _ in range(count):
        journey(app.test_client())
    return time.process_time() - began


def gap_free(database: Database, expected: int) -> None:
    """One submission per journey, numbered 1, 2, 3... with no number missing or repeated."""
    with database.session(readonly=True) as session:
        references = list(session.scalars(select(Submission.reference)))
    numbers = sorted(int(common.found(_REFERENCE, ref, "reference number"))
                     for ref in references)
    if numbers != list(range(1, expected + 1)):
        raise RuntimeError(f"expected references 1..{expected}, found {numbers[:20]}...")


# --- The benchmark --------------------------------------------------------------------------------


def measure(apps: dict[str, Flask], sizes: Sizes) -> dict[str, dict[str, list[float]]]:
    """Per app, the rates of each round: ``{"engine": {"get": [...], "journey": [...]}}``.

    Within a round the apps take turns in short blocks, the first to go changing every block,
    so a change in the machine's load during the round weighs on both alike.
    """
    residents = {name: resident_on_page_2(app) for name, app in apps.items()}
    for name, app in apps.items():
        page_gets(residents[name], sizes.warm_gets)
        journeys(app, sizes.warm_journeys)
    rates: dict[str, dict[str, list[float]]] = {name: {"get": [], "journey": []}
                                                for name in apps}
    for round_number in range(ROUNDS):
        spent = {name: {"get": 0.0, "journey": 0.0} for name in apps}
        for block in range(sizes.blocks):
            order = list(apps) if (round_number + block) % 2 == 0 else list(apps)[::-1]
            for name in order:
                spent[name]["get"] += page_gets(residents[name], sizes.gets // sizes.blocks)
            for name in order:
                spent[name]["journey"] += journeys(apps[name], sizes.journeys // sizes.blocks)
        for name in apps:
            rates[name]["get"].append(sizes.gets / spent[name]["get"])
            rates[name]["journey"].append(sizes.journeys / spent[name]["journey"])
    return rates


def _line(label: str, baseline: float, engine: float, digits: int) -> str:
    return (f"{label}: handwritten {baseline:,.{digits}f}/s, engine {engine:,.{digits}f}/s, "
            f"engine/handwritten = {engine / baseline:.2f}x")


def run(quick: bool = False) -> Iterator[str]:
    """Measure both apps in one run and print the engine's rates as ratios to the baseline."""
    sizes = QUICK if quick else FULL
    with tempfile.TemporaryDirectory(prefix="form-throughput-") as tmp:
        folder = Path(tmp)
        handwritten_db, engine_db = databases(folder, ["handwritten", "engine"])
        try:
            apps = {"handwritten": handwritten_app(handwritten_db, folder),
                    "engine": engine_app(engine_db, folder)}
            rates = measure(apps, sizes)
            stored = sizes.warm_journeys + ROUNDS * sizes.journeys
            gap_free(handwritten_db, stored)
            gap_free(engine_db, stored)
        finally:
            handwritten_db.dispose()
            engine_db.dispose()
    median = {name: {kind: statistics.median(values) for kind, values in kinds.items()}
              for name, kinds in rates.items()}
    yield (f"form throughput: pothole form, median of {ROUNDS} rounds of {sizes.gets:,} page "
           f"GETs and {sizes.journeys:,} submit journeys (6 requests each) per app, per second "
           "of CPU time; aim: engine at 0.80x or better")
    yield _line("form GET", median["handwritten"]["get"], median["engine"]["get"], 0)
    yield _line("submit journey", median["handwritten"]["journey"],
                median["engine"]["journey"], 1)
