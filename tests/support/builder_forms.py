"""Comparing two forms by what they do, not how their files are written: the questions (name,
kind, what they store, required, when they are asked), the pages' questions, the routing and
who is told. Used to show that the builder, from nothing, makes the pothole example."""

from __future__ import annotations

from typing import Any

from schemas import Form
from schemas.conditions import describe
from schemas.flow import branch_rule


def behaviour(form: Form) -> dict[str, Any]:
    fields = {
        path: (found.kind, found.value_type, found.required, found.conditional,
               tuple(str(c.value) for c in found.choices), branch_rule(form, found),
               found.schema.get("contentMediaType"), found.schema.get("maxFileSize"))
        for path, found in form.fields.items()}
    routing = [(step.name.default, step.assignees, describe(step.when) if step.when else None,
                step.due, step.escalate_to) for step in form.routing]
    return {"fields": fields, "pages": [page.fields for page in form.pages],
            "routing": routing, "notify": dict(form.notify),
            "applicant_email": form.applicant_email}


def differences(made: Form, wanted: Form) -> list[str]:
    """What ``made`` does differently from ``wanted`` (empty: they behave alike)."""
    a, b = behaviour(made), behaviour(wanted)
    found = []
    for key in b:
        if key == "fields":
            for path in sorted(set(a[key]) | set(b[key])):
                if a[key].get(path) != b[key].get(path):
                    found.append(f"{path}: {a[key].get(path)} != {b[key].get(path)}")
        elif a[key] != b[key]:
            found.append(f"{key}: {a[key]} != {b[key]}")
    return found
