"""A small valid form definition for tests that need one form and no more."""

from __future__ import annotations

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
