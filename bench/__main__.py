"""``python -m bench [--quick | --full] [NAME ...]``: run every benchmark module of this
package. ``--full`` runs the sizes an issue names where a benchmark has a cheaper default
(``export``: 100,000 rows; ``dashboard``: 1,000,000 submissions)."""

from __future__ import annotations

import argparse
import importlib
import inspect
import pkgutil
import sys
from collections.abc import Sequence
from types import ModuleType

import bench


def benchmark_names() -> list[str]:
    """The modules of the package that define ``run``, in name order; the others are
    helpers a benchmark imports (a baseline implementation, shared data)."""
    names = sorted(info.name for info in pkgutil.iter_modules(bench.__path__)
                   if not info.name.startswith("_"))
    return [name for name in names if callable(getattr(_load(name), "run", None))]


def _load(name: str) -> ModuleType:
    return importlib.import_module(f"bench.{name}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="fewer iterations, to check in seconds that the benchmarks run")
    parser.add_argument("--full", action="store_true",
                        help="the full sizes, where a benchmark's default is smaller")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help="benchmarks to run (default: all of them)")
    args = parser.parse_args(argv)
    available = benchmark_names()
    unknown = [name for name in args.names if name not in available]
    if unknown:
        parser.error(f"no benchmark called {', '.join(unknown)}; "
                     f"there are: {', '.join(available)}")
    for name in args.names or available:
        run = _load(name).run
        extra = {"full": args.full} if "full" in inspect.signature(run).parameters else {}
        for line in run(quick=args.quick, **extra):
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
