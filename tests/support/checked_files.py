"""The peer renderers' schemas (``tests/corpus``) and what the checker says of any form file,
worked out once per test process.

Checking a file runs the whole checker; five test modules sort the 81 corpus files and the
examples into accepted and refused when they are collected, which each paid again.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import schemas
from schemas.problems import Problem

CORPUS_FOLDER = Path(__file__).resolve().parents[1] / "corpus"
CORPUS = sorted(CORPUS_FOLDER.glob("*/*.json"))


def corpus_id(path: Path) -> str:
    """``rjsf/simple`` for ``tests/corpus/rjsf/simple.json``: the name a test's id shows."""
    return f"{path.parent.name}/{path.stem}"


@cache
def errors(path: Path) -> tuple[Problem, ...]:
    """The problems that stop ``path`` from being published (warnings left out)."""
    return tuple(p for p in schemas.check(path) if p.severity == "error")


def accepted(paths: list[Path]) -> list[Path]:
    """The files of ``paths`` the checker accepts, in their order."""
    return [path for path in paths if not errors(path)]
