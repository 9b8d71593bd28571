"""The query a listing page carries into its own links (next page, first page, export)."""

from __future__ import annotations

from typing import Any

from flask import request


def carried_args(*dropped: str) -> dict[str, Any]:
    """The request's non-empty query arguments less ``dropped``, to pass on to ``url_for``.

    A name ``url_for`` reads as its own (``endpoint``, ``_method``, ``_external``, ``_anchor``,
    ``_scheme``) is left out, so no query can break the page or send its links elsewhere.
    """
    return {key: value for key, value in request.args.items()
            if value and key not in dropped and key != "endpoint" and not key.startswith("_")}
