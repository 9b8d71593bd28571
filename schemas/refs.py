"""Local ``$ref`` resolution, refusing remote references and loops.

Checking and rendering never touch the network, so only references inside the same document
(``#/$defs/address``) are followed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import unquote

Path = tuple[str | int, ...]


class RefError(ValueError):
    """A ``$ref`` that cannot be followed, with the plain reason."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


def pointer_path(ref: str) -> Path:
    """The path a local JSON pointer reference names, as keys."""
    if not ref.startswith("#"):
        raise RefError(
            f"`$ref: {ref}` points outside this file. Forms are checked and shown without "
            "fetching anything, so copy the part you need under `$defs` and use "
            "`$ref: '#/$defs/...'`.", "remote_ref")
    fragment = ref[1:]
    if fragment and not fragment.startswith("/"):
        raise RefError(f"`$ref: {ref}` uses an anchor name; refer to the part by its path, "
                       "like '#/$defs/address'.", "anchor_ref")
    parts = [unquote(p).replace("~1", "/").replace("~0", "~") for p in fragment.split("/")[1:]]
    return tuple(parts)


def lookup(root: Any, path: Path) -> Any:
    """The value at ``path`` in ``root``; :class:`RefError` when it is not there."""
    node = root
    for part in path:
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, str) and part.isdigit() \
                and int(part) < len(node):
            node = node[int(part)]
        else:
            shown = "#/" + "/".join(str(p) for p in path)
            raise RefError(f"`$ref: '{shown}'` points at nothing: there is no `{part}` there.",
                           "missing_ref")
    return node


def resolve(root: Any, schema: Any) -> tuple[Any, tuple[str, ...]]:
    """Follow ``$ref`` chains from ``schema``; returns the target and the chain of refs taken.

    A chain that comes back to a reference it already took is a loop that describes nothing.
    """
    chain: list[str] = []
    while isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str):
        ref = schema["$ref"]
        if ref in chain:
            loop = " -> ".join([*chain, ref])
            raise RefError(f"`$ref` goes round in a loop ({loop}) and never reaches a question.",
                           "ref_loop")
        chain.append(ref)
        target = lookup(root, pointer_path(ref))
        if len(schema) > 1 and isinstance(target, Mapping):
            target = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        schema = target
    return schema, tuple(chain)


def all_refs(schema: Any, path: Path = ()) -> Iterator[tuple[Path, str]]:
    """Every ``$ref`` in the document with the path where it stands."""
    if isinstance(schema, Mapping):
        for key, value in schema.items():
            if key == "$ref" and isinstance(value, str):
                yield (*path, key), value
            elif key not in ("enum", "const", "default", "examples"):
                yield from all_refs(value, (*path, key))
    elif isinstance(schema, list):
        for index, item in enumerate(schema):
            yield from all_refs(item, (*path, index))
