"""Publishing: a checked form becomes a numbered, immutable ``FormVersion``.

Publishing the same definition twice makes no new version, so ``formbuilder publish examples/``
can run on every deploy. Versions are compared by the SHA-256 of their canonical JSON.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import schemas
from formbuilder.database import insert_or_ignore
from formbuilder.models import Form, FormVersion, utcnow
from formbuilder.services import audit

PARSED_CACHE_SIZE = 256


def canonical_json(definition: Mapping[str, Any]) -> str:
    """Sorted keys, no whitespace: equal definitions give equal text whatever their key order."""
    return json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def definition_sha256(definition: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(definition).encode()).hexdigest()


def publish(session: Session, form: schemas.Form, *, by: str | None = None,
            now: datetime | None = None) -> tuple[FormVersion, bool]:
    """The form's version holding this definition, and whether it was created just now.

    The form's row is locked first, so two people publishing at once get consecutive numbers
    instead of a unique-constraint error.
    """
    text = canonical_json(form.definition)
    digest = hashlib.sha256(text.encode()).hexdigest()
    department = str(form.department) if form.department else None
    insert_or_ignore(session, Form, id=form.id, department=department,
                     created_at=now or utcnow())
    row = session.execute(select(Form).where(Form.id == form.id).with_for_update()).scalar_one()
    latest = latest_version(session, form.id)
    if latest is not None and latest.definition_sha256 == digest:
        return latest, False
    row.department = department
    version = FormVersion(form_id=form.id, number=latest.number + 1 if latest else 1,
                          definition=json.loads(text), definition_sha256=digest,
                          published_at=now or utcnow(), published_by=by)
    session.add(version)
    session.flush()
    audit.record(session, by or "command line", "published", form_id=form.id,
                 target=f"{form.id} v{version.number}", now=version.published_at)
    _parsed.put(digest, form)
    return version, True


def latest_version(session: Session, form_id: str) -> FormVersion | None:
    return session.scalars(select(FormVersion).where(FormVersion.form_id == form_id)
                           .order_by(FormVersion.number.desc()).limit(1)).first()


def get_version(session: Session, form_id: str, number: int) -> FormVersion | None:
    return session.scalars(select(FormVersion).where(
        FormVersion.form_id == form_id, FormVersion.number == number)).first()


def published_forms(session: Session) -> list[FormVersion]:
    """The latest version of every form, by form id."""
    newest = (select(FormVersion.form_id, func.max(FormVersion.number).label("number"))
              .group_by(FormVersion.form_id).subquery())
    return list(session.scalars(
        select(FormVersion)
        .join(newest, (FormVersion.form_id == newest.c.form_id)
              & (FormVersion.number == newest.c.number))
        .order_by(FormVersion.form_id)))


def form_of(version: FormVersion) -> schemas.Form:
    """The parsed form of a version, parsed once per process.

    Cached by the definition's SHA-256 rather than the row id: the digest names the content
    itself, so one process serving several databases (tests, several cities) never mixes
    up two versions that happen to share an id, and a version never changes anyway.
    """
    found = _parsed.get(version.definition_sha256)
    if found is None:
        found = schemas.load_definition(
            version.definition, name=f"{version.form_id} version {version.number}",
            published=True)
        _parsed.put(version.definition_sha256, found)
    return found


class _LRU:
    """A small thread-safe least-recently-used map (``functools.lru_cache`` cannot key a call
    by one argument while parsing another)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[str, schemas.Form] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> schemas.Form | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: str, value: schemas.Form) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_parsed = _LRU(PARSED_CACHE_SIZE)
