"""Answers hypothesis-jsonschema generates from a form's JSON Schema, for property tests.

hypothesis-jsonschema 0.23 ignores ``dependentRequired``/``dependentSchemas`` but knows their
Draft 7 spelling, ``dependencies`` (the meaning is the same), and reads no ``$schema``; the
custom formats draw answers the engine takes for a phone number or an uploaded file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import HealthCheck
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

CUSTOM_FORMATS = {
    "tel": st.from_regex(r"\A\+1 [2-9][0-9]{2} [2-9][0-9]{2} [0-9]{4}\Z"),
    "file": st.from_regex(r"\Aatt_[a-z0-9]{16}\Z"),
    "data-url": st.from_regex(r"\Aatt_[a-z0-9]{16}\Z"),
}
#: What ``settings(suppress_health_check=...)`` lets pass: large schemas draw slowly.
SLOW_SCHEMAS = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]


def for_generation(schema: Any) -> Any:
    """``schema`` in the spelling hypothesis-jsonschema reads (see the module's docstring)."""
    if isinstance(schema, list):
        return [for_generation(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: for_generation(value) for key, value in schema.items()
              if key not in ("dependentRequired", "dependentSchemas", "$schema")}
    dependencies = {**schema.get("dependentRequired", {}),
                    **{name: for_generation(part)
                       for name, part in schema.get("dependentSchemas", {}).items()}}
    if dependencies:
        result["dependencies"] = dependencies
    return result


def answer_strategy(schema: Mapping[str, Any]) -> st.SearchStrategy:
    """Answers ``schema`` allows. Building the strategy resolves the whole schema, which is
    slow: cache it per form."""
    return from_schema(for_generation(dict(schema)), custom_formats=CUSTOM_FORMATS)
