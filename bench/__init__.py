"""Benchmarks, run with ``python -m bench`` (``--quick`` for fewer iterations, as CI runs it).

Each module here is one benchmark: it defines ``run(quick: bool) -> Iterable[str]`` and yields
lines of the form ``name: baseline X.XX s / ours Y.YY s = Z.Zx``, comparing the obvious way of
doing something with ours in the same run, on the same machine. A new benchmark is a new
module; nothing needs registering. A module without ``run`` is a helper that benchmarks import
(a baseline implementation, shared data) and is not run on its own. Times are printed, never
asserted: they depend on the machine, the ratio is what to watch.
"""
