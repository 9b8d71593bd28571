"""The example forms of ``examples/``, read and checked once per test process.

Reading a form runs the whole checker (YAML with line numbers, the meta-schema, every
semantic check): a tenth of a second per form, which tests that publish every example once
per test paid hundreds of times. A ``Form`` is immutable, so one copy serves every test;
publishing it writes a new version row in the test's own database each time.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import schemas

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PATHS = sorted(EXAMPLES.glob("*.yaml"))
NAMES = [path.stem for path in PATHS]


@cache
def example(name: str) -> schemas.Form:
    """The example form ``examples/<name>.yaml``."""
    return schemas.load(EXAMPLES / f"{name}.yaml")


def every_example() -> dict[str, schemas.Form]:
    """Every example form, by file name (which is its id), in file-name order."""
    return {name: example(name) for name in NAMES}
