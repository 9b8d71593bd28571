"""The addresses emails point to, built from the ``BASE_URL`` setting.

An email is written by a job, outside any request, so there is no host for Flask's ``url_for``
to use, and the mail and rules modules do not import Flask. The paths below are those of the
public and staff blueprints' routes; ``tests/app/test_links.py`` checks that they agree with
``url_for`` under that base address, so a route cannot move without this moving with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

DEFAULT_BASE_URL = "http://127.0.0.1:5000"


@dataclass(frozen=True)
class Links:
    """Absolute addresses under ``base_url`` (which may end in a path: ``https://city.gov/forms``)."""

    base_url: str

    @classmethod
    def of(cls, config: Mapping[str, Any]) -> Links:
        return cls(str(config.get("BASE_URL") or DEFAULT_BASE_URL).rstrip("/"))

    def track(self, lang: str) -> str:
        return self._url("/track", lang=lang)

    def returned(self, token: str, lang: str) -> str:
        """The resident's signed link for answering a return for changes."""
        return self._url(f"/returned/{quote(token, safe='')}", lang=lang)

    def resume(self, token: str, lang: str) -> str:
        """The resident's "save and come back" link."""
        return self._url(f"/resume/{quote(token, safe='')}", lang=lang)

    def staff_submission(self, reference: str) -> str:
        return self._url(f"/staff/submissions/{quote(reference, safe='')}")

    def _url(self, path: str, **query: str) -> str:
        return self.base_url + path + (f"?{urlencode(query)}" if query else "")
