"""Local ``$ref`` resolution, refusing remote references and loops.

Checking and rendering never touch the network, so only references inside the same document
are followed: JSON pointers (``#/$defs/address``) and the ``$id`` of a part bundled under
``$defs`` (as bundlers write them).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin

Path = tuple[str | int, ...]


class RefError(ValueError):
    """A ``$ref`` that cannot be followed, with the plain reason."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


class LocalRefs:
    """Resolves references inside one schema document."""

    def __init__(self, root: Any):
        self.root = root
        base = root.get("$id") if isinstance(root, Mapping) else None
        self.base = base if isinstance(base, str) else ""
        self.ids: dict[str, Path] = {}
        for path, uri in _embedded_ids(root, ()):
            self.ids.setdefault(urldefrag(urljoin(self.base, uri))[0], path)

    def path_of(self, ref: str) -> Path:
        """The path inside the document that ``ref`` names."""
        if ref.startswith("#"):
            return _pointer(ref[1:], ref)
        document, fragment = urldefrag(urljoin(self.base, ref))
        if document in self.ids or (document == self.base and self.base):
            prefix = self.ids.get(document, ())
            return (*prefix, *_pointer(fragment, ref)) if fragment else prefix
        raise RefError(
            f"`$ref: {ref}` points outside this file. Forms are checked and shown without "
            "fetching anything, so copy the part you need under `$defs` and use "
            "`$ref: '#/$defs/...'`.", "remote_ref")

    def lookup(self, path: Path, ref: str) -> Any:
        node = self.root
        for part in path:
            if isinstance(node, Mapping) and part in node:
                node = node[part]
            elif isinstance(node, list) and str(part).isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                raise RefError(f"`$ref: '{ref}'` points at nothing: there is no `{part}` there.",
                               "missing_ref")
        return node

    def resolve(self, schema: Any) -> tuple[Any, tuple[str, ...], Path | None]:
        """Follow ``$ref`` chains from ``schema``.

        Returns the target, the references taken, and the path of the last one's target (so
        messages about the target point at its own lines). A chain that comes back to a
        reference it already took describes nothing and is refused.
        """
        chain: list[str] = []
        where: Path | None = None
        while isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str):
            ref = schema["$ref"]
            if ref in chain:
                loop = " -> ".join([*chain, ref])
                raise RefError(f"`$ref` goes round in a loop ({loop}) and never reaches a "
                               "question.", "ref_loop")
            chain.append(ref)
            where = self.path_of(ref)
            target = self.lookup(where, ref)
            if len(schema) > 1 and isinstance(target, Mapping):
                target = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
            schema = target
        return schema, tuple(chain), where


def _pointer(fragment: str, ref: str) -> Path:
    if fragment and not fragment.startswith("/"):
        raise RefError(f"`$ref: {ref}` uses an anchor name; refer to the part by its path, "
                       "like '#/$defs/address'.", "anchor_ref")
    return tuple(unquote(p).replace("~1", "/").replace("~0", "~") for p in fragment.split("/")[1:])


def _embedded_ids(schema: Any, path: Path) -> Iterator[tuple[Path, str]]:
    if isinstance(schema, Mapping):
        if path and isinstance(schema.get("$id"), str):
            yield path, schema["$id"]
        for key, value in schema.items():
            if key not in ("enum", "const", "default", "examples"):
                yield from _embedded_ids(value, (*path, key))
    elif isinstance(schema, list):
        for index, item in enumerate(schema):
            yield from _embedded_ids(item, (*path, index))


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
