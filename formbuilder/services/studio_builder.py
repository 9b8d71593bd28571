"""The studio's builder and PDF import on the database: every builder change is a save of
the draft through :func:`studio.save` (the same revision check, history and checking), with
what is needed to undo it; an imported PDF is kept in the file storage beside its draft.

Never imports Flask: the views pass the person, the time, the storage and the request's words.
"""

from __future__ import annotations

import difflib
import hashlib
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from formbuilder.files.storage import Storage
from formbuilder.models import FormDraft, Membership, StudioEvent
from formbuilder.services import publishing, studio
from schemas import builder, pdf_import

PDF_SIZE_LIMIT = pdf_import.MAX_BYTES


class BuilderRefused(studio.StudioError):
    """A builder change that was not made; nothing was saved."""


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def draft_text(session: Session, form_id: str) -> tuple[str, int]:
    """The text the builder changes (the draft's, or the live version's) and its revision."""
    draft = session.get(FormDraft, form_id)
    if draft is not None:
        return draft.source, draft.revision
    current = studio.live(session, form_id)
    text = studio.definition_text(current[0].definition) if current is not None else ""
    return text, studio.publication(session, form_id).revision


def change(session: Session, form_id: str, operation: str, arguments: Mapping[str, Any], *,
           expected_revision: int, by: str, now: datetime) -> tuple[FormDraft, str]:
    """Make one builder change and save it as the draft's next revision.

    Refused (nothing saved) when the builder cannot make it or the form would not check; a
    colleague's save in between is :class:`studio.StaleDraft`, as for the source editor.
    """
    text, _ = draft_text(session, form_id)
    try:
        result = builder.apply(text, operation, source_name=studio.source_name(form_id, text),
                               **arguments)
    except builder.BuilderError as error:
        raise BuilderRefused(str(error), "builder") from None
    except TypeError:
        raise BuilderRefused("That change was sent incompletely. Reload the page and try "
                             "again.", "builder") from None
    return _save(session, form_id, text, result.text, result.summary, expected_revision, by,
                 now), result.summary


def _save(session: Session, form_id: str, before: str, after: str, summary: str,
          expected_revision: int, by: str, now: datetime, **data: Any) -> FormDraft:
    undo = None if "undid" in data else _patch(after, before)
    draft, _ = studio.save(session, form_id, text=after, expected_revision=expected_revision,
                           by=by, now=now, builder=summary[:500], undo=undo,
                           after=_digest(after), **data)
    return draft


def _patch(text: str, back_to: str) -> list[list[Any]]:
    """How to turn ``text`` back into ``back_to``: the changed line ranges only, so the
    history keeps a builder change's undo without a second copy of the form."""
    old, new = text.splitlines(keepends=True), back_to.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    return [[i1, i2, new[j1:j2]] for tag, i1, i2, j1, j2 in matcher.get_opcodes()
            if tag != "equal"]


def _unpatch(text: str, patch: Sequence[Sequence[Any]]) -> str:
    lines = text.splitlines(keepends=True)
    for start, end, replacement in reversed(patch):
        lines[int(start):int(end)] = [str(line) for line in replacement]
    return "".join(lines)


@dataclass(frozen=True)
class Undoable:
    revision: int
    summary: str
    patch: list[list[Any]]


def last_change(session: Session, form_id: str) -> Undoable | None:
    """The builder change that Undo would take back: the newest one not undone yet, while
    the draft is still the text it left (a save in the source editor ends the chain)."""
    stack: list[tuple[Undoable, str]] = []
    for event in studio.events(session, form_id):
        data = event.data if isinstance(event.data, Mapping) else {}
        if event.kind == "saved" and "undid" in data:
            if stack:
                stack.pop()
        elif event.kind == "saved" and isinstance(data.get("undo"), list):
            stack.append((Undoable(int(data.get("revision", 0)), str(data.get("builder", "")),
                                   data["undo"]), str(data.get("after", ""))))
        elif event.kind in ("saved", "created", "restored"):
            stack.clear()
    draft = session.get(FormDraft, form_id)
    if not stack or draft is None or stack[-1][1] != _digest(draft.source):
        return None
    return stack[-1][0]


def undo(session: Session, form_id: str, *, expected_revision: int, by: str,
         now: datetime) -> str:
    """Take back the last builder change, saved as a new revision (so it is in the history
    too, and a colleague's newer save still wins)."""
    found = last_change(session, form_id)
    draft = session.get(FormDraft, form_id)
    if found is None or draft is None:
        raise BuilderRefused("There is no builder change to undo.", "nothing_to_undo")
    before = _unpatch(draft.source, found.patch)
    summary = f"Undid: {found.summary}"
    _save(session, form_id, draft.source, before, summary, expected_revision, by, now,
          undid=found.revision)
    return summary


def known_roles(session: Session, extra: Sequence[str] = ()) -> list[str]:
    """Roles to choose from: those staff hold and those any published form's routing names."""
    roles = set(session.scalars(select(Membership.role).distinct()))
    for version in publishing.published_forms(session):
        for step in version.definition.get("routing") or []:
            if isinstance(step, Mapping):
                for key in ("assign", "escalate_to"):
                    if isinstance(step.get(key), str) and "@" not in step[key]:
                        roles.add(step[key])
                roles.update(r for r in step.get("all_of") or [] if isinstance(r, str))
    roles.update(r for r in extra if r and "@" not in r)
    return sorted(roles)


# --- PDF import ----------------------------------------------------------------------------


@dataclass
class PdfImport:
    """What the builder shows after an import: the checklist, a flat PDF's outline, the file."""

    key: str
    name: str
    notes: list[str] = field(default_factory=list)
    outline: list[str] = field(default_factory=list)


def create_from_pdf(session: Session, storage: Storage, *, form_id: str,
                    department: str | None, data: bytes, file_name: str, title: str, by: str,
                    now: datetime) -> FormDraft:
    """A new form's first draft from a PDF; the PDF is stored for comparing side by side."""
    try:
        imported = pdf_import.read(data, file_name=file_name, form_id=form_id)
    except pdf_import.ImportRefused as error:
        raise studio.StudioError(str(error), "pdf") from None
    text = imported.text
    if title.strip():
        text = studio.with_title(text, title)
    if department:
        text = text.replace("\nschema:", f"\ndepartment: {studio._yaml_text(department)}"
                            "\nschema:", 1)
    stored = storage.put(io.BytesIO(data), size_limit=PDF_SIZE_LIMIT)
    draft = studio.create(session, form_id=form_id, department=department, text=text, by=by,
                          how="pdf", now=now)
    session.add(StudioEvent(form_id=form_id, kind="pdf", actor=by, at=now, data={
        "key": stored.key, "name": file_name[:200], "notes": imported.notes[:200],
        "outline": imported.outline}))
    session.flush()
    return draft


def imported(session: Session, form_id: str) -> PdfImport | None:
    row = session.scalars(select(StudioEvent).where(
        StudioEvent.form_id == form_id, StudioEvent.kind == "pdf")
        .order_by(StudioEvent.id.desc()).limit(1)).first()
    if row is None or not isinstance(row.data, Mapping) or not row.data.get("key"):
        return None
    return PdfImport(str(row.data["key"]), str(row.data.get("name") or "form.pdf"),
                     [str(n) for n in row.data.get("notes") or []],
                     [str(n) for n in row.data.get("outline") or []])
