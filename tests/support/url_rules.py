"""URL rules whose compiled builders are shared by every app of a test process.

Each test makes an app of its own (flaskr style), and werkzeug compiles two small Python
functions for every URL rule of every app (the ones ``url_for`` calls): nine tenths of
``create_app``'s time. A builder depends only on the rule's text, its defaults and whether
it appends unknown arguments; it reads the rule's converters when called, through the rule
it is bound to, so one compiled builder serves every app's copy of a rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from flask import Flask
from werkzeug.routing import Rule


class SharedBuilderRule(Rule):
    """A werkzeug ``Rule`` that compiles each distinct builder once per process."""

    _builders: ClassVar[dict[tuple[Any, ...], Callable[..., tuple[str, str]]]] = {}

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        key = (self.rule, tuple(self._trace), repr(sorted((self.defaults or {}).items())),
               append_unknown)
        builder = self._builders.get(key)
        if builder is None:
            builder = self._builders[key] = super()._compile_builder(append_unknown)
        return builder


def share_url_builders() -> None:
    """Make every app of this process use :class:`SharedBuilderRule` (Flask's documented
    ``url_rule_class`` setting)."""
    Flask.url_rule_class = SharedBuilderRule
