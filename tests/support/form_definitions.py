"""A small valid form definition for tests that need one form and no more."""

from __future__ import annotations

import textwrap
from typing import Any


def form_definition(form_id: str = "pothole-report", prefix: str = "PW",
                    **extra: Any) -> dict[str, Any]:
    """A small valid form definition; ``extra`` keys are added at the top level."""
    return {
        "id": form_id,
        "title": "Report a pothole",
        "department": "Public Works",
        "reference_prefix": prefix,
        "schema": {
            "type": "object",
            "required": ["location"],
            "properties": {
                "location": {"type": "string", "title": "Where is it?"},
                "photo": {"type": "string", "format": "file", "title": "Photo",
                          "contentMediaType": "image/jpeg, image/png"},
            },
        },
        **extra,
    }


def form_yaml(properties: str) -> str:
    """The YAML text of a form ``a-form`` whose schema's properties are ``properties`` (YAML,
    dedented and put under ``properties:``); its first property is on line 6."""
    return ("id: a-form\ntitle: A form\nschema:\n  type: object\n  properties:\n"
            + textwrap.indent(textwrap.dedent(properties), "    "))
