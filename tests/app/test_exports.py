"""Exports: one column per question, items of repeating groups apart, formulas neutralised,
the user's forms only, every export recorded; the same from ``formbuilder export``."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import openpyxl
import pytest
from click.testing import CliRunner
from sqlalchemy import select
from staff import make_app, make_staff

import schemas
from formbuilder.cli import main
from formbuilder.models import AuditEntry
from formbuilder.services import publishing
from formbuilder.services.exports import neutralise
from formbuilder.services.submissions import create_submission

T0 = datetime(2030, 3, 1, 15, tzinfo=UTC)
DEFINITION = {
    "id": "dog-license", "title": "Dog license", "reference_prefix": "DL",
    "routing": [{"step": "Clerk review", "assign": "clerks"}],
    "schema": {"type": "object", "properties": {
        "owner": {"type": "string", "title": "Owner"},
        "fee": {"type": "number", "title": "Fee"},
        "size": {"type": "string", "enum": ["small", "large"]},
        "dogs": {"type": "array", "items": {"type": "object", "properties": {
            "name": {"type": "string"}, "age": {"type": "integer"}}}}}},
    "ui": {"size": {"labels": {"small": "Small dog", "large": "Large dog"}}},
}


@pytest.fixture
def version(db):
    with db.session() as session:
        version, _ = publishing.publish(session, schemas.load_definition(DEFINITION))
        for owner in ("=HYPERLINK(\"http://evil\")", "Ana Ruiz"):
            create_submission(session, version, {
                "owner": owner, "fee": 12.5, "size": "small",
                "dogs": [{"name": "@Rex", "age": 3}, {"name": "Fido", "age": 1}]},
                language="en", idempotency_key=None, now=T0)
    return version


@pytest.fixture
def app(db, tmp_path):
    return make_app(db, tmp_path, TIME_ZONE="America/Chicago")


@pytest.mark.parametrize("value, safe", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("plain", "plain"), (-2, -2), (None, None)])
def test_formula_cells_are_neutralised(value, safe):
    assert neutralise(value) == safe


def test_csv_has_a_column_per_question_and_items_apart(db, version, app, staff):
    make_staff(db, "clara@city.gov", ["clerks"])
    client = app.test_client()
    staff.client = client
    staff.sign_in("clara@city.gov")
    response = client.get("/staff/forms/dog-license/export?format=csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["reference", "status", "sent (America/Chicago)"]
    assert {"owner", "fee", "size", "Clerk review: outcome"} <= set(rows[0])
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["owner"] == "'=HYPERLINK(\"http://evil\")" and first["size"] == "Small dog"
    assert first["sent (America/Chicago)"] == "2030-03-01 09:00:00"  # CST, stored in UTC
    items = list(csv.reader(io.StringIO(client.get(
        "/staff/forms/dog-license/export?format=csv&part=items").get_data(as_text=True))))
    assert items[0] == ["reference", "group", "item", "dogs.age", "dogs.name"]
    assert items[1][2:] == ["1", "3", "'@Rex"] and len(items) == 5
    with db.session() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "exported")).first()
        assert entry.actor == "clara@city.gov" and entry.target == "dog-license"


def test_xlsx_has_a_second_sheet_for_items(db, version, app, staff):
    make_staff(db, "ada@city.gov", admin=True)
    client = app.test_client()
    staff.client = client
    staff.sign_in("ada@city.gov")
    response = client.get("/staff/forms/dog-license/export?format=xlsx&status=in_review")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    assert book.sheetnames == ["Submissions", "Items"]
    rows = list(book["Submissions"].values)
    assert len(rows) == 3 and rows[1][rows[0].index("fee")] == 12.5
    assert len(list(book["Items"].values)) == 5


@pytest.mark.parametrize("query, status", [
    ("format=pdf", 400), ("format=csv&from=yesterday", 400), ("format=csv&status=x", 400)])
def test_bad_requests_are_400(db, version, app, staff, query, status):
    make_staff(db, "ada@city.gov", admin=True)
    staff.client = app.test_client()
    staff.sign_in("ada@city.gov")
    assert staff.client.get(f"/staff/forms/dog-license/export?{query}").status_code == status


def test_another_office_may_not_export(db, version, app, staff):
    make_staff(db, "pat@city.gov", ["parks"])
    staff.client = app.test_client()
    staff.sign_in("pat@city.gov")
    assert staff.client.get("/staff/forms/dog-license/export").status_code == 403
    assert staff.client.get("/staff/forms/no-such-form/export").status_code == 404


def test_the_command_line_export(db, version, tmp_path, monkeypatch):
    monkeypatch.setenv("FORMBUILDER_DATABASE_URL", str(db.url.render_as_string(False)))
    if db.schema:
        pytest.skip("the command line reaches PostgreSQL through its URL, not a test schema")
    output = tmp_path / "dogs.csv"
    result = CliRunner().invoke(main, ["export", "dog-license", "--format", "csv",
                                       "--from", "2030-03-01", "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert len(output.read_text().splitlines()) == 3
    assert len((tmp_path / "dogs-items.csv").read_text().splitlines()) == 5
    result = CliRunner().invoke(main, ["export", "dog-license", "--format", "xlsx",
                                       "-o", str(tmp_path / "dogs.xlsx")])
    assert "2 submissions" in result.output
