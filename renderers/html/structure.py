"""Facts about a form's questions that the HTML renderer and the WTForms coercion share.

Where a question sits in an answers path with item indexes, how many items a list may hold,
what the items of a list look like, and in which order a page's questions are asked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from schemas.fields import Field, schema_types
from schemas.flow import Clause, branch_rule, resolve, visible_at
from schemas.localized import localized
from schemas.model import Form

MAX_ITEMS = 100
LIST_KINDS = ("repeat", "list", "files", "tuple", "multichoice")


def max_items(field: Field) -> int:
    """The most items a list question takes: its ``maxItems``, never more than 100."""
    limit = field.schema.get("maxItems")
    if isinstance(limit, int) and not isinstance(limit, bool) and limit >= 0:
        return min(limit, MAX_ITEMS)
    return MAX_ITEMS


def min_items(field: Field) -> int:
    limit = field.schema.get("minItems")
    if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0:
        return min(limit, max_items(field))
    return 0


def is_required(field: Field) -> bool:
    """Whether the question must be answered when it applies (``required`` or ``minItems``)."""
    return field.required or min_items(field) > 0


def is_fixed(field: Field) -> bool:
    """Whether the answer is fixed by the form (``readOnly`` or ``const``): shown, not asked."""
    return field.schema.get("readOnly") is True or (
        "const" in field.schema and field.kind not in ("group", "repeat"))


def fixed_value(field: Field, answer: Any, present: bool) -> Any:
    """A fixed question's answer: its ``const``, else the answer kept so far, else its default."""
    if "const" in field.schema:
        return field.schema["const"]
    if present:
        return answer
    return field.schema.get("default")


def item_fields(form: Form, field: Field) -> list[Field]:
    """Pseudo-questions for the items of a list of answers (one for a list, one per position of
    a tuple), so each item is drawn and read like a question of its own type."""
    schema = field.schema
    if field.kind == "tuple":
        positions = schema.get("prefixItems")
        if not isinstance(positions, list):
            items = schema.get("items")
            positions = items if isinstance(items, list) else []
        return [_item_field(form, field, p, index) for index, p in enumerate(positions[:20])]
    return [_item_field(form, field, schema.get("items"), None)]


def _item_field(form: Form, field: Field, schema: Any, index: int | None) -> Field:
    resolved = resolve(form, schema) if isinstance(schema, Mapping) else None
    body = resolved if isinstance(resolved, Mapping) else {}
    types = schema_types(body)
    kind = {"integer": "integer", "number": "number", "boolean": "boolean"}.get(
        types[0] if types else "", "text")
    if body.get("format") in ("file", "data-url"):
        kind = "file"
    title = localized(body, "title") or field.title
    return Field(path=field.path, keys=field.keys, schema=body, kind=kind, title=title,
                 description=None, required=False, conditional=False, parent=field.path,
                 in_repeat=True, ui=field.ui)


def split_path(form: Form, path: str) -> list[tuple[str, Field]]:
    """Each prefix of an indexed answers path that names a question, with the question:
    ``vehicles.0.plate`` -> ``[("vehicles", vehicles), ("vehicles.0.plate", vehicles.plate)]``.
    """
    found: list[tuple[str, Field]] = []
    template: list[str] = []
    indexed: list[str] = []
    for segment in path.split(".") if path else []:
        current = found[-1][1] if found else None
        if current is not None and current.kind in LIST_KINDS and indexed[-1] == current.keys[-1]:
            if not segment.isdigit():
                break
            indexed.append(segment)
            continue
        template.append(segment)
        indexed.append(segment)
        question = form.fields.get(".".join(template))
        if question is None:
            break
        found.append((".".join(indexed), question))
    return found


def error_owner(form: Form, path: str) -> str | None:
    """The indexed path of the question an error at ``path`` is shown with: the deepest
    question the path reaches (an error on a checkbox item belongs to the checkbox question)."""
    found = split_path(form, path)
    return found[-1][0] if found else None


def controllers(form: Form, field: Field) -> set[str]:
    """The names, at ``field``'s own level, of the questions its branch depends on."""
    return names_read(branch_rule(form, field) or ())


def names_read(chains: Iterable[Iterable[Clause]]) -> set[str]:
    """The names, at their own level, of the questions alternatives of clauses test."""
    return {test.path[0] for chain in chains for clause in chain for test in clause.tests or ()}


def asked_here(form: Form, field: Field, page_names: set[str],
               answers: Mapping[str, Any]) -> bool:
    """Whether a page with the top-level questions ``page_names`` asks ``field``.

    A question whose branch depends only on answers given on other pages is asked only when
    those answers make it apply: the server knows, and the page's script could not tell.
    """
    if field.parent is not None:
        return True
    deciding = controllers(form, field)
    if not deciding or deciding & page_names:
        return True
    return visible_at(form, field.path, answers)


def ordered(form: Form, siblings: Sequence[Field]) -> list[Field]:
    """Siblings in asking order, with each conditional question moved right after the last
    question on the page it depends on, so a revealed question follows what revealed it."""
    names = {f.name for f in siblings}
    after: dict[str, list[Field]] = {}
    base: list[Field] = []
    position = {f.name: i for i, f in enumerate(siblings)}
    for sibling in siblings:
        anchors = [n for n in controllers(form, sibling) if n in names and n != sibling.name]
        if anchors:
            after.setdefault(max(anchors, key=position.__getitem__), []).append(sibling)
        else:
            base.append(sibling)
    out: list[Field] = []
    done: set[str] = set()

    def emit(current: Field) -> None:
        if current.path in done:
            return
        done.add(current.path)
        out.append(current)
        for dependant in after.get(current.name, ()):
            emit(dependant)

    for sibling in base:
        emit(sibling)
    out += [s for s in siblings if s.path not in done]
    return out


def drawing_order(form: Form) -> dict[str, int]:
    """Each question's path (without item indexes) by the place it is drawn: page by page,
    in each page's asking order (:func:`ordered`), a group's questions inside it."""
    order: dict[str, int] = {}

    def walk(siblings: Sequence[Field]) -> None:
        for field in ordered(form, siblings):
            order.setdefault(field.path, len(order))
            walk(form.children(field.path))

    for page in form.pages:
        walk(as_fields(form, page.fields))
    walk([field for field in form.top_fields if field.path not in order])
    return order


def drawn_position(order: Mapping[str, int], path: str) -> tuple[bool, int, tuple[int, ...]]:
    """Where an error at the indexed ``path`` sits on the page, to sort by: errors about the
    whole form first, then by question, then item by item."""
    keys = path.split(".") if path else []
    names = [key for key in keys if not key.isdigit()]
    place = len(order)
    for end in range(len(names), 0, -1):
        if ".".join(names[:end]) in order:
            place = order[".".join(names[:end])]
            break
    return bool(path), place, tuple(int(key) for key in keys if key.isdigit())


def children_of(form: Form, field: Field) -> list[Field]:
    return ordered(form, form.children(field.path))


def as_fields(form: Form, fields: Iterable[Field | str]) -> list[Field]:
    """The page's questions from fields or their paths; unknown names are skipped."""
    out = []
    for item in fields:
        found = item if isinstance(item, Field) else form.fields.get(str(item))
        if found is not None:
            out.append(found)
    return out
