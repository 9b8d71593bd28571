"""Uploaded files become attachments: checked by content, stored under random names.

A file's type is decided by its bytes (``uploads.sniff``), never by its name or the browser's
header, and its size is limited while it is read, so a huge or disguised file is refused
before it is kept.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import Any

from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage, MultiDict

from formbuilder.files.storage import Storage, TooLarge
from formbuilder.files.uploads import (
    IMAGES,
    accepts,
    image_pixels,
    judge,
    parse_accept,
    safe_file_name,
)
from formbuilder.models import Attachment
from schemas import Field, Form
from schemas.i18n import gettext, ngettext
from schemas.validation import FieldError, parse_size, upload_errors

_INDEX = re.compile(r"\.\d+(?=\.|$)")
MAX_FILES = 100  # as many as a page draws for an unbounded multiple upload


def field_path(input_name: str) -> str:
    """``vehicles.0.photo`` -> ``vehicles.photo``: the field an input name belongs to."""
    return _INDEX.sub("", input_name)


def size_limit(field: Field, global_limit: int) -> int:
    declared = field.schema.get("maxFileSize")
    if isinstance(declared, str | int):
        try:
            return min(parse_size(str(declared)), global_limit)
        except ValueError:
            return global_limit
    return global_limit


def store_uploads(db: Session, storage: Storage, form: Form, fields: Iterable[Field],
                  files: MultiDict[str, FileStorage], answers: MutableMapping[str, Any], *,
                  lang: str, limit: int, draft_id: int | None = None,
                  max_pixels: int | None = None) -> list[FieldError]:
    """Store each file posted for a question of this page, recording it in ``answers``.

    Each upload belongs to ``draft_id``: only that draft may show or send it. Pictures over
    ``max_pixels`` are refused, as one small file can unpack into gigabytes when drawn.
    """
    on_page = {f.path for f in fields}
    errors: list[FieldError] = []
    for name, upload in files.items(multi=True):
        path = field_path(name)
        field = form.fields.get(path)
        top = path.split(".")[0]
        if field is None or top not in on_page or field.kind not in ("file", "files"):
            continue
        if not upload or not upload.filename:
            continue
        if field.kind == "files" and _held(answers, name) >= _most(field):
            # Refused before storage: a file past maxItems would only be dropped later.
            if not any(error.path == name for error in errors):
                errors.append(_too_many(name, field, lang))
            continue
        problem = _store_one(db, storage, form, field, name, upload, answers, lang=lang,
                             limit=limit, draft_id=draft_id, max_pixels=max_pixels)
        if problem is not None:
            errors.append(problem)
    return errors


def _store_one(db: Session, storage: Storage, form: Form, field: Field, name: str,
               upload: FileStorage, answers: MutableMapping[str, Any], *, lang: str,
               limit: int, draft_id: int | None, max_pixels: int | None) -> FieldError | None:
    title = field.title.get(lang)
    item = field.schema.get("items") if field.kind == "files" else field.schema
    accepted = parse_accept(item.get("contentMediaType") if isinstance(item, dict) else None)
    largest = size_limit(field, limit)
    file_name = safe_file_name(upload.filename)
    try:
        stored = storage.put(upload.stream, size_limit=largest)
    except TooLarge:
        return _upload_error(name, title, file_name, "", largest + 1, accepted, largest, lang)
    with storage.open(stored.key) as handle:
        media_type = judge(handle, file_name)
        pixels = image_pixels(handle) if media_type in IMAGES and max_pixels else None
    if not accepts(accepted, media_type):
        storage.delete(stored.key)
        return _upload_error(name, title, file_name, media_type or "", stored.size, accepted,
                             largest, lang)
    if max_pixels and pixels is not None and pixels > max_pixels:
        storage.delete(stored.key)
        message = gettext(lang, "The picture for “%(title)s” has too many pixels: it must be "
                          "at most %(millions)s million pixels. Choose a smaller copy of it, "
                          "for example one made by your phone's “share” or “resize” option.",
                          title=title, millions=max_pixels // 1_000_000)
        return FieldError(path=name, message=message, code="file_pixels")
    attachment = Attachment(form_id=form.id, draft_id=draft_id, field=field.path,
                            file_name=file_name,
                            media_type=media_type or "application/octet-stream",
                            size=stored.size, sha256=stored.sha256, storage_key=stored.key)
    db.add(attachment)
    db.flush()
    _record(answers, name, attachment.id, many=field.kind == "files")
    return None


def recheck(db: Session, form: Form, answers: Mapping[str, Any], *, lang: str,
            limit: int) -> list[FieldError]:
    """The draft's files judged again by ``form``, the version about to receive them.

    A draft keeps its uploads while a newer version is published; that version may accept
    fewer types, smaller files or fewer of them, and a file it refuses must not reach a
    submission just because it was uploaded earlier.
    """
    errors: list[FieldError] = []
    for path, field, value in _file_answers(form, answers, form.top_fields, ""):
        ids = [value] if isinstance(value, str) else \
            [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
        if field.kind == "files" and len(ids) > _most(field):
            errors.append(_too_many(path, field, lang))
            continue
        item = field.schema.get("items") if field.kind == "files" else field.schema
        accepted = parse_accept(item.get("contentMediaType") if isinstance(item, Mapping)
                                else None)
        largest = size_limit(field, limit)
        for attachment_id in ids:
            found = db.get(Attachment, attachment_id)
            if found is None:
                continue
            if found.size > largest or not accepts(accepted, found.media_type):
                errors.append(_upload_error(path, field.title.get(lang), found.file_name,
                                            found.media_type, found.size, accepted, largest,
                                            lang))
                break
    return errors


def _file_answers(form: Form, answers: Any, fields: Iterable[Field], prefix: str
                  ) -> Iterator[tuple[str, Field, Any]]:
    """(indexed path, question, answer) of every file question answered, in groups and
    repeating groups too."""
    if not isinstance(answers, Mapping):
        return
    for field in fields:
        if field.name not in answers:
            continue
        value, path = answers[field.name], f"{prefix}{field.name}"
        if field.kind in ("file", "files"):
            yield path, field, value
        elif field.kind == "group":
            yield from _file_answers(form, value, form.children(field.path), f"{path}.")
        elif field.kind == "repeat" and isinstance(value, list):
            for index, item in enumerate(value):
                yield from _file_answers(form, item, form.children(field.path),
                                         f"{path}.{index}.")


def _most(field: Field) -> int:
    """The most files a multiple upload takes (its ``maxItems``, at most 100)."""
    declared = field.schema.get("maxItems")
    if isinstance(declared, int) and not isinstance(declared, bool) and declared >= 0:
        return min(declared, MAX_FILES)
    return MAX_FILES


def _held(answers: Mapping[str, Any], name: str) -> int:
    """How many files the answers already hold at the input ``name``."""
    node: Any = answers
    for key in name.split("."):
        if isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        elif isinstance(node, Mapping):
            node = node.get(key)
        else:
            return 0
    return len(node) if isinstance(node, list) else 0


def _too_many(name: str, field: Field, lang: str) -> FieldError:
    count = _most(field)
    message = ngettext(lang, "Select no more than %(num)s file for “%(title)s”",
                       "Select no more than %(num)s files for “%(title)s”", count,
                       title=field.title.get(lang))
    return FieldError(path=name, message=message, code="maxItems")


def _upload_error(name: str, title: str, file_name: str, media_type: str, size: int,
                  accepted: list[str], largest: int, lang: str) -> FieldError:
    found = upload_errors(title, filename=file_name, media_type=media_type, size=size,
                          accepted=accepted, max_size=largest, lang=lang)
    first = found[0]
    message = first.message if isinstance(first, FieldError) else str(first)
    code = first.code if isinstance(first, FieldError) else "file"
    return FieldError(path=name, message=message, code=code)


def _record(answers: MutableMapping[str, Any], name: str, value: str, *, many: bool) -> None:
    """Set ``value`` at the dotted input name, creating groups and list items on the way."""
    keys = name.split(".")
    node: Any = answers
    for key, following in itertools.pairwise(keys):
        nxt: Any = [] if following.isdigit() else {}
        if isinstance(node, list):
            index = int(key)
            while len(node) <= index:
                node.append({})
            node = node[index]
        else:
            node = node.setdefault(key, nxt)
    last = keys[-1]
    if many:
        existing = node.get(last) if isinstance(node, dict) else None
        node[last] = [*existing, value] if isinstance(existing, list) else [value]
    else:
        node[last] = value
