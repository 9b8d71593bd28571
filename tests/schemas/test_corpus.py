"""Schemas written for two peer renderers: each becomes a form or is refused in one sentence."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas import check, load

CORPUS = Path(__file__).parent.parent / "corpus"
FILES = sorted(CORPUS.glob("*/*.json"))
REFUSALS = {"unsupported", "not_object", "recursive_ref", "empty", "contradiction"}


def test_the_corpus_is_all_here():
    assert len(FILES) == 81


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_each_schema_is_a_form_or_refused_clearly(path):
    errors = [p for p in check(path) if p.severity == "error"]
    if not errors:
        form = load(path)
        assert form.fields, "an accepted form has questions"
        assert form.id == form.id.lower()
        return
    for problem in errors:
        assert problem.code in REFUSALS, str(problem)
        assert problem.line is not None, str(problem)
        assert problem.message.endswith("."), str(problem)
        assert "`" in problem.message, "the refusal names the construct"


def test_most_of_the_corpus_is_accepted(capsys):
    accepted = [p for p in FILES if not [e for e in check(p) if e.severity == "error"]]
    ratio = len(accepted) / len(FILES)
    with capsys.disabled():
        print(f"\ncorpus: {len(accepted)} of {len(FILES)} schemas accepted ({ratio:.0%})")
    assert ratio >= 0.9
