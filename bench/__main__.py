"""``python -m bench [--quick] [NAME ...]``: run every benchmark module of this package."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

import bench


def benchmark_names() -> list[str]:
    """Every module of the package except this one, in name order."""
    return sorted(info.name for info in pkgutil.iter_modules(bench.__path__)
                  if not info.name.startswith("_"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="fewer iterations, to check in seconds that the benchmarks run")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help="benchmarks to run (default: all of them)")
    args = parser.parse_args(argv)
    available = benchmark_names()
    unknown = [name for name in args.names if name not in available]
    if unknown:
        parser.error(f"no benchmark called {', '.join(unknown)}; "
                     f"there are: {', '.join(available)}")
    for name in args.names or available:
        module = importlib.import_module(f"bench.{name}")
        for line in module.run(quick=args.quick):
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
