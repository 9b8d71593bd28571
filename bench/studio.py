"""The studio on the largest example form: saving (which re-checks it) and drawing its preview
page, each as a ratio to ``formbuilder check`` of the same file in the same run.

Baseline: ``formbuilder check examples/special-event-permit.yaml`` through click's runner, in
this process (reading, parsing, the meta-schema, every rule, the printed line). Ours, through
the Flask test client against a SQLite database: a signed-in author's Save (CSRF, the locked
draft row, the checker on text changed each time so no cache helps, the history record, the
redirect) and the preview's first page in the form's first language (the draft parsed once per
saved text, then the resident's page drawn by the renderers). Median and p95 of each.
"""

from __future__ import annotations

import re
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from click.testing import CliRunner

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "special-event-permit.yaml"
EMAIL = "bench.author@city.example"
PASSWORD = "plum tram quietly harbour"


def _times(action: Callable[[int], Any], rounds: int) -> list[float]:
    found = []
    for number in range(rounds):
        start = time.perf_counter()
        action(number)
        found.append(time.perf_counter() - start)
    return found


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _studio(folder: Path) -> tuple[Any, str]:
    from argon2 import PasswordHasher

    from formbuilder.app import create_app
    from formbuilder.database import Database
    from formbuilder.models import utcnow
    from formbuilder.services import accounts, studio, studio_grants

    accounts.use_hasher(PasswordHasher(time_cost=1, memory_cost=256, parallelism=1))
    database = Database(f"sqlite:///{folder / 'bench.db'}")
    database.upgrade()
    app = create_app({"TESTING": True, "DATABASE": database, "SECRET_KEY": "bench",
                      "UPLOAD_DIR": str(folder / "uploads"), "RATELIMIT_ENABLED": False})
    form_id = "special-event-permit"
    with database.session() as session:
        user = accounts.create_user(session, EMAIL, password=PASSWORD)
        studio_grants.set_grants(session, user, studio_grants.parse_grants("author"))
        studio.create(session, form_id=form_id, department="Special Events Office",
                      text=EXAMPLE.read_text("utf-8"), by=EMAIL, how="upload", now=utcnow())
    client = app.test_client()
    page = client.get("/staff/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    client.post("/staff/sign-in", data={"csrf_token": token, "email": EMAIL,
                                        "password": PASSWORD})
    return client, form_id


def run(quick: bool = False) -> Iterator[str]:
    from formbuilder.cli import main

    rounds = 5 if quick else 30
    runner = CliRunner()
    text = EXAMPLE.read_text("utf-8")

    def check(_: int) -> None:
        result = runner.invoke(main, ["check", str(EXAMPLE)])
        assert result.exit_code == 0, result.output

    with tempfile.TemporaryDirectory() as folder:
        client, form_id = _studio(Path(folder))
        edit = f"/staff/forms/{form_id}/edit"
        page = client.get(edit).get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        revision = [int(re.search(r'name="revision" value="(\d+)"', page).group(1))]  # type: ignore[union-attr]

        def save(number: int) -> None:
            response = client.post(edit, data={
                "csrf_token": token, "revision": str(revision[0]),
                "source": f"{text}\n# bench save {revision[0]}\n"},
                content_type="multipart/form-data")
            assert response.status_code == 302, response.status_code
            revision[0] += 1

        def preview(_: int) -> None:
            response = client.get(f"/staff/forms/{form_id}/preview/en/1")
            assert response.status_code == 200, response.status_code

        check(0), save(-1), preview(-1)  # warm imports and caches alike
        baseline, saving, drawing = [], [], []
        for _ in range(rounds):  # interleaved: a busy moment of the machine hits all three
            baseline += _times(check, 1)
            saving += _times(save, 1)
            drawing += _times(preview, 1)

    base_median, base_p95 = statistics.median(baseline), _p95(baseline)
    for name, values in (("save and re-check", saving), ("preview page", drawing)):
        median, p95 = statistics.median(values), _p95(values)
        yield (f"studio {name} ({EXAMPLE.name}, {rounds} rounds): median formbuilder check "
               f"{base_median * 1000:.1f} ms / ours {median * 1000:.1f} ms = "
               f"{base_median / median:.2f}; p95 {base_p95 * 1000:.1f} ms / "
               f"{p95 * 1000:.1f} ms = {base_p95 / p95:.2f}")
