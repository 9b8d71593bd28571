"""The query a listing page carries into its own links (next page, first page, export)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import request

_Cursor = TypeVar("_Cursor")


def url_for_reads(name: str) -> bool:
    """Whether ``url_for`` takes a keyword ``name`` as an instruction (``endpoint``, ``_method``,
    ``_external``, ``_anchor``, ``_scheme``) rather than a query value: a query argument of
    that name is never passed on, so no query can break a page or send its links elsewhere."""
    return name == "endpoint" or name.startswith("_")


def carried_args(*dropped: str) -> dict[str, Any]:
    """The request's non-empty query arguments less ``dropped`` and less what
    :func:`url_for_reads`, to pass on to ``url_for``."""
    return {key: value for key, value in request.args.items()
            if value and key not in dropped and not url_for_reads(key)}


def cursor_arg(name: str, decode: Callable[[str | None], _Cursor | None],
               problems: list[str]) -> _Cursor | None:
    """Where the page continues, from the query argument ``name`` read by ``decode``; a value
    ``decode`` refuses (a hand-edited address) is named in ``problems`` and the list starts at
    its top."""
    text = request.args.get(name)
    cursor = decode(text)
    if text and cursor is None:
        problems.append(name)
    return cursor
