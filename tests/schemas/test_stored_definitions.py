"""What `check` accepts re-loads identically from its stored definition and takes its answers.

Every example and every peer schema of the corpus that checks clean is loaded, stored as
publishing stores it (canonical JSON of the normalised definition), loaded back as a published
version is, and compared; answers generated from its schema are then accepted.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from pathlib import Path
from typing import Any

import pytest
from checked_files import CORPUS, accepted
from generated_answers import SLOW_SCHEMAS, answer_strategy
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema._canonicalise import HypothesisRefResolutionError

from schemas import Form, load, load_definition
from schemas.drafts import DRAFT_7

ROOT = Path(__file__).parents[2]
ACCEPTED = accepted([*sorted((ROOT / "examples").glob("*.yaml")), *CORPUS])


def stored(form: Form) -> dict[str, Any]:
    """The definition as a published version keeps it: canonical JSON, read back."""
    return json.loads(json.dumps(form.definition, sort_keys=True, ensure_ascii=False))


def summary(form: Form) -> dict[str, Any]:
    parts = {f.name: getattr(form, f.name) for f in dataclasses.fields(form)
             if f.name != "source_name"}
    parts["pages"] = [(p.title, p.fields, str(p.when), p.description) for p in form.pages]
    parts["routing"] = [(s.name, s.assignees, str(s.when), s.due, s.escalate_to)
                        for s in form.routing]
    return parts


def ident(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


@pytest.mark.parametrize("path", ACCEPTED, ids=ident)
def test_a_stored_definition_loads_back_identically(path):
    form = load(path)
    again = load_definition(stored(form), name=str(path), published=True)
    assert summary(again) == summary(form)


def test_an_inferred_draft_7_is_stored_with_the_definition():
    definition = {"definitions": {"n": {"type": "integer"}}, "type": "object",
                  "properties": {"pair": {"type": "array",
                                          "items": [{"$ref": "#/definitions/n"},
                                                    {"type": "string"}]}}}
    form = load_definition(definition, name="pair.json")
    assert form.draft == DRAFT_7
    assert form.definition["schema"]["$schema"] == DRAFT_7
    again = load_definition(stored(form), published=True)
    assert again.draft == DRAFT_7
    assert again.validate({"pair": [1, "a"]}) == []


@functools.cache
def _strategy(path: Path) -> st.SearchStrategy:
    return answer_strategy(_stored_form(path).schema)


@functools.cache
def _stored_form(path: Path) -> Form:
    return load_definition(stored(load(path)), name=str(path), published=True)


@pytest.mark.parametrize("path", ACCEPTED, ids=ident)
@settings(max_examples=5, deadline=None, derandomize=True, suppress_health_check=SLOW_SCHEMAS)
@given(data=st.data())
def test_a_stored_form_accepts_answers_its_schema_allows(path, data):
    try:
        answers = data.draw(_strategy(path))
    except HypothesisRefResolutionError:
        pytest.skip("hypothesis-jsonschema cannot generate answers for a recursive $ref")
    assert _stored_form(path).validate(answers) == []
