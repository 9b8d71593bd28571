"""The one CSRF check every form post in the app goes through, public and staff pages alike."""

from __future__ import annotations

from typing import Any

import wtforms
import wtforms.meta
from flask import current_app, session
from wtforms.csrf.session import SessionCSRF


class _CsrfMeta(wtforms.meta.DefaultMeta):
    """CSRF tokens kept in the signed session, checked on every post."""

    csrf = True
    csrf_class = SessionCSRF
    csrf_time_limit = None

    @property
    def csrf_secret(self) -> bytes:  # type: ignore[override]  # wtforms documents a property here
        return current_app.config["SECRET_KEY"].encode()

    @property
    def csrf_context(self) -> Any:  # type: ignore[override]  # wtforms documents a property here
        return session


class CsrfForm(wtforms.Form):
    """Only the CSRF token: the page's answers are read by ``answers_from_post`` and judged by
    jsonschema, so no per-page form class is built just to check a token."""

    Meta = _CsrfMeta


def csrf_form(formdata: Any = None) -> CsrfForm:
    return CsrfForm(formdata=formdata)
