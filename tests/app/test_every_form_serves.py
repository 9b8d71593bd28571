"""What publishes, serves (issue 11, point 8): every form file that ``check`` accepts, among
the examples and the peer corpus, publishes, shows its first page, and takes answers its own
schema allows, typed page by page as a browser posts them, to a stored submission.

Each example starts from a resident's plan (``resident.plan_answers``: every question, or
only the required ones) in which hypothesis-jsonschema gives each question asked a value its
own schema generates, or leaves it out, wherever the answers as a whole stay valid; values are
given as a resident can give them (text as the app keeps what is typed, no answer for null).
SQLite only: the property is about the engine, and the backends are compared by the other
tests of the web layer.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Mapping
from copy import deepcopy
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import resident
from checked_files import CORPUS, accepted
from checked_files import corpus_id as file_id
from example_forms import PATHS as EXAMPLE_PATHS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from hypothesis_jsonschema._resolve import resolve_all_refs
from sqlalchemy import select
from staff import make_app

import schemas
from formbuilder.database import Database
from formbuilder.models import Submission
from formbuilder.services import publishing
from renderers.html.values import MISSING, clean_text
from schemas.fields import Field
from schemas.flow import applicable_answers, resolve

EXAMPLES_PER_FORM = 3
# The uploads' own formats: what a resident picks is a file, not a string.
FILE_FORMATS = {name: st.just("file") for name in ("file", "data-url")}


FILES = accepted([*EXAMPLE_PATHS, *CORPUS])
#: Forms check accepts that residents cannot send: engine bugs still open (issue 11, 8).
KNOWN_TRAPS = {
    "jsonforms/json-editor": "a bare schema of any type becomes a required `answer` drawn as "
                             "a repeating group with no questions, which no resident can fill",
}
CASES = [pytest.param(path, id=file_id(path), marks=[pytest.mark.xfail(
    strict=True, reason=KNOWN_TRAPS[file_id(path)])] if file_id(path) in KNOWN_TRAPS else [])
    for path in FILES]


@cache
def load(path: Path) -> schemas.Form:
    return schemas.load(path)


@pytest.fixture
def sqlite_db(tmp_path: Path, _sqlite_template: Path) -> Iterator[Database]:
    path = tmp_path / "formbuilder.db"
    shutil.copyfile(_sqlite_template, path)
    database = Database(f"sqlite:///{path}")
    yield database
    database.dispose()


# --- A resident's answers from the schema's own ----------------------------------------------

#: Questions a resident answers by typing or picking, whose values the schema generates.
GENERATED_KINDS = ("text", "textarea", "number", "integer", "choice", "boolean",
                   "multichoice", "list")


def generated_value(form: schemas.Form, question: Field) -> st.SearchStrategy[Any]:
    """Values the question's own schema allows (its definitions kept for ``$ref``)."""
    body = resolve(form, question.schema)
    body = dict(body) if isinstance(body, Mapping) else {}
    for key in ("$defs", "definitions"):
        if key in form.schema:
            body.setdefault(key, form.schema[key])
    try:
        resolve_all_refs(deepcopy(body))
    except Exception:  # hypothesis-jsonschema resolves neither remote nor recursive $refs
        return st.nothing()
    return from_schema(body, custom_formats=FILE_FORMATS, allow_x00=False)


def fits(question: Field, value: Any) -> bool:
    """Whether a resident can give ``value`` with the question's control: text in a text
    box, a number in a number box, yes or no, offered choices."""
    kind = question.kind
    if kind in ("choice", "multichoice"):
        values = [c.value for c in question.choices]
        picked = value if kind == "multichoice" and isinstance(value, list) else [value]
        return kind == "choice" or (isinstance(value, list) and all(v in values for v in picked))
    if kind in ("text", "textarea"):
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind in ("number", "integer"):
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, list) and all(isinstance(v, str | int | float) for v in value)


def typed(question: Field, value: Any) -> Any:
    """``value`` as a resident gives it: text as the app keeps it, no answer for null, a
    choice as the form's own value (an object choice's keys in the form's order)."""
    if value is None or not fits(question, value):
        return MISSING
    if question.kind in ("choice", "multichoice"):
        values = [c.value for c in question.choices]
        own = {values.index(v): values[values.index(v)] for v in (
            value if isinstance(value, list) else [value]) if v in values}
        if question.kind == "choice":
            return next(iter(own.values()), MISSING)
        return [own[i] for i in sorted(own)] or MISSING
    if isinstance(value, str):
        return clean_text(value, multiline=question.kind == "textarea")
    if isinstance(value, list) and question.kind == "list":
        kept = [clean_text(v) if isinstance(v, str) else v for v in value]
        return [v for v in kept if v is not MISSING and v is not None] or MISSING
    return value


def plans(form: schemas.Form) -> list[dict[str, Any]]:
    """The resident's plans (every question answered, only the required ones) that are valid
    and hold no blank item of a repeating group, which a form takes as no item."""
    found = [resident.plan_answers(form, minimal=minimal) for minimal in (False, True)]
    return [plan for plan in found
            if not resident.problems(form, plan) and not blank_item(plan)]


def blank_item(value: Any) -> bool:
    if isinstance(value, Mapping):
        return any(blank_item(v) for v in value.values())
    if isinstance(value, list):
        return any(item == {} or blank_item(item) for item in value)
    return False


@st.composite
def answers_for(draw: st.DrawFn, form: schemas.Form,
                bases: list[dict[str, Any]]) -> dict[str, Any]:
    """One of the resident's plans, in which each question asked outside a repeating group
    may instead get a value its schema generates or be left out, wherever the answers as a
    whole stay valid."""
    answers = deepcopy(draw(st.sampled_from(bases)))
    for path, question in form.fields.items():
        if question.in_repeat or question.kind not in GENERATED_KINDS \
                or resident.widget(question) in ("fixed", "hidden"):
            continue
        before = resident.answer_at(answers, path)
        choice = draw(st.sampled_from(["keep", "generate", "leave out"]))
        if choice == "keep":
            continue
        generated = generated_value(form, question)
        if choice == "generate" and generated.is_empty:
            continue
        value = typed(question, draw(generated)) if choice == "generate" else MISSING
        if not place(answers, path, value):
            continue
        if resident.problems(form, answers):
            place(answers, path, before)
    return answers


def place(answers: dict[str, Any], path: str, value: Any) -> bool:
    """Set (or, for ``MISSING``, remove) the answer at the dotted ``path`` of groups."""
    *groups, name = path.split(".")
    node: Any = answers
    for key in groups:
        node = node.get(key) if isinstance(node, dict) else None
    if not isinstance(node, dict):
        return False
    if value is MISSING or value is resident.MISSING:
        node.pop(name, None)
    else:
        node[name] = value
    return True


# --- The property -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", CASES)
def test_a_form_check_accepts_serves_and_takes_the_answers_its_schema_allows(
        path: Path, sqlite_db: Database, tmp_path: Path) -> None:
    form = load(path)
    with sqlite_db.session() as session:
        publishing.publish(session, form, by="clerk@example.gov")
    app = make_app(sqlite_db, tmp_path, RATELIMIT_ENABLED=False)
    first = app.test_client().get(f"/forms/{form.id}")
    assert first.status_code == 200, first.get_data(as_text=True)[:500]
    bases = plans(form)
    assert bases, "the resident can plan valid answers"

    @settings(max_examples=EXAMPLES_PER_FORM, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(answers=answers_for(form, bases))
    def sends(answers: dict[str, Any]) -> None:
        reference = resident.submit_with_client(app.test_client(), form, answers)
        with sqlite_db.session(readonly=True) as session:
            stored = session.scalar(select(Submission).where(Submission.reference == reference))
            assert stored is not None
            assert not form.validate(stored.answers)
            assert stored_text(form, stored.answers) == stored_text(
                form, applicable_answers(form, answers))

    sends()


def stored_text(form: schemas.Form, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The top-level text, number and choice answers, which must arrive as they were given
    (an unticked checkbox is no answer)."""
    return {field.name: answers[field.name] for field in form.top_fields
            if field.name in answers and field.kind in (
                "text", "textarea", "number", "integer", "choice", "boolean")
            and resident.widget(field) not in ("fixed", "hidden")
            and not (resident.widget(field) == "checkbox" and answers[field.name] is False)}
