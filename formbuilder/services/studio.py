"""The studio's rules: drafts kept as typed, checked on every save, and published through the
one ``publishing.publish`` the CLI uses, after the sign-off ``workflows.publication`` allows.

Every change appends a ``StudioEvent`` in the same transaction as the draft text or the new
version, and where a form stands is always replayed from those events. Never imports Flask:
the views pass the person, the time and the settings in.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import threading
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import schemas
import workflows.publication as lifecycle
from formbuilder.models import Form as FormRow
from formbuilder.models import FormDraft, FormVersion, StudioEvent, StudioPreview, User
from formbuilder.services import publishing
from formbuilder.services.studio_grants import FormScope
from schemas.changes import Change, changes
from schemas.checker import build
from schemas.drafts import is_bare_schema
from schemas.source import MAX_FILE_BYTES, parse
from workflows.records import Record

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FORM_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
PARSED_CACHE = 64
RESERVED_IDS = frozenset({"new", "guide"})  # the studio's own pages under /staff/forms/


class StudioError(ValueError):
    """A request the studio refuses; the message says why, in words for a clerk."""

    def __init__(self, message: str, code: str = "refused") -> None:
        super().__init__(message)
        self.code = code


class StaleDraft(StudioError):
    """Someone saved the draft after this editor was opened: ``draft`` is theirs."""

    def __init__(self, draft: FormDraft, message: str) -> None:
        super().__init__(message, "stale")
        self.draft = draft


# --- checking ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    """A draft text's problems (errors first), and its ``Form`` when it has no errors."""

    problems: tuple[schemas.Problem, ...]
    form: schemas.Form | None

    @property
    def errors(self) -> list[schemas.Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[schemas.Problem]:
        return [p for p in self.problems if p.severity != "error"]


def source_name(form_id: str, text: str) -> str:
    """The name the checker reads a draft under: JSON when it looks like JSON. A bare JSON
    Schema takes its id from the file name, so the name carries the form's id."""
    return f"{form_id}.json" if text.lstrip().startswith(("{", "[")) else f"{form_id}.yaml"


def check(text: str, *, form_id: str, department: str | None = None) -> Checked:
    """Every problem in a draft, as ``formbuilder check`` finds them, plus the studio's own:
    the id cannot change, nor the department a draft belongs to (see ``studio_grants``)."""
    key = hashlib.sha256(f"{form_id}\0{department}\0{text}".encode("utf-8", "replace")
                         ).hexdigest()
    cached = _checked.get(key)
    if cached is not None:
        return cached
    name = source_name(form_id, text)
    try:
        source = parse(text, name, json_syntax=name.endswith(".json"))
    except schemas.FormError as error:
        result = Checked(tuple(error.problems), None)
    else:
        form, problems = build(source)
        problems = [*problems, *_studio_problems(source, form_id, department)]
        errors = [p for p in problems if p.severity == "error"]
        result = Checked(tuple(sorted(problems, key=_order)), None if errors else form)
    with _checked_lock:
        _checked[key] = result
        while len(_checked) > PARSED_CACHE:
            _checked.pop(next(iter(_checked)))
    return result


# Checked drafts by the hash of their text: a save, the page after it and the preview check
# the same text once per process. Oldest first out.
_checked: dict[str, Checked] = {}
_checked_lock = threading.Lock()


def _order(problem: schemas.Problem) -> tuple[int, int]:
    return (0 if problem.severity == "error" else 1, problem.line or 0)


def _studio_problems(source: Any, form_id: str, department: str | None
                     ) -> Iterator[schemas.Problem]:
    data = source.data
    if not isinstance(data, dict) or is_bare_schema(data):
        return
    written = data.get("id")
    if isinstance(written, str) and written != form_id:
        yield source.problem(("id",), f"The id is `{form_id}` and cannot change here: residents' "
                             f"links use it. Write `id: {form_id}`, or make a new form (or a "
                             "copy of this one) for another id.", "studio_id")
    typed = data.get("department")
    if department and isinstance(typed, str) and \
            " ".join(typed.split()).casefold() != " ".join(department.split()).casefold():
        yield source.problem(("department",), f"This form belongs to {department}; its "
                             "department cannot be changed in the studio. Ask an admin to "
                             "move it.", "studio_department")


# --- drafts --------------------------------------------------------------------------------


def suggest_id(title: str) -> str:
    """``Report a pothole`` -> ``report-a-pothole``; accents dropped (``Año`` -> ``ano``)."""
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:63].strip("-")
    return slug if len(slug) >= 2 else "new-form"


def id_problem(session: Session, form_id: str) -> str | None:
    if not FORM_ID.match(form_id):
        return ("An id is 2 to 63 lower-case letters, digits and dashes, starting with a letter "
                "or digit, like report-a-pothole.")
    if form_id in RESERVED_IDS:
        return f"{form_id} is a word the studio's own pages use. Choose another id."
    if session.get(FormDraft, form_id) is not None or \
            session.get(FormRow, form_id) is not None:
        return f"There is already a form with the id {form_id}. Choose another id."
    return None


def scope(session: Session, form_id: str) -> FormScope | None:
    """The form's permission scope: its draft's department, else its published one's."""
    draft = session.get(FormDraft, form_id)
    if draft is not None:
        return FormScope(form_id, draft.department)
    row = session.get(FormRow, form_id)
    return FormScope(form_id, row.department) if row is not None else None


def blank_source(form_id: str, title: str, department: str | None) -> str:
    lines = [f"id: {form_id}", f"title: {_yaml_text(title or 'New form')}"]
    if department:
        lines.append(f"department: {_yaml_text(department)}")
    lines += ["", "schema:", "  type: object", "  required: [email]", "  properties:",
              "    email:", "      type: string", "      format: email",
              "      title: What is your email address?", "", "applicant_email: email", ""]
    return "\n".join(lines)


def _yaml_text(text: str) -> str:
    return json.dumps(" ".join(text.split()), ensure_ascii=False)


def templates() -> list[tuple[str, str]]:
    """The example forms a new form may start from: (file stem, title)."""
    found = []
    for path in sorted(EXAMPLES.glob("*.yaml")):
        match = re.search(r"^title:\s*(.+)$", path.read_text("utf-8"), re.MULTILINE)
        found.append((path.stem, match.group(1).strip() if match else path.stem))
    return found


def template_source(stem: str, form_id: str) -> str:
    names = {name for name, _ in templates()}
    if stem not in names:
        raise StudioError("Choose one of the example forms listed.", "template")
    return with_id((EXAMPLES / f"{stem}.yaml").read_text("utf-8"), form_id)


def with_id(text: str, form_id: str) -> str:
    """The text with its top-level id replaced, keeping every other character as written."""
    if text.lstrip().startswith("{"):
        replaced, count = re.subn(r'^(\s*\{?\s*"id"\s*:\s*)"[^"]*"', rf'\g<1>"{form_id}"',
                                  text, count=1, flags=re.MULTILINE)
        return replaced if count else text
    replaced, count = re.subn(r"^id:[^\n]*$", f"id: {form_id}", text, count=1,
                              flags=re.MULTILINE)
    return replaced if count else f"id: {form_id}\n{text}"


def with_title(text: str, title: str) -> str:
    """A template's or copy's text with the title the author gave (YAML files only: JSON
    text is left as it is, for the author to change)."""
    if not title.strip() or text.lstrip().startswith("{"):
        return text
    return re.sub(r"^title:[^\n]*$", lambda _: f"title: {_yaml_text(title)}", text, count=1,
                  flags=re.MULTILINE)


def read_upload(data: bytes, filename: str) -> str:
    """An uploaded form file's text, or why it cannot be one (checked by content)."""
    if len(data) > MAX_FILE_BYTES:
        raise StudioError(f"The file is {len(data) / 1_000_000:.1f} MB; a form file can be at "
                          "most 2 MB. Split very long forms into several forms.", "too_large")
    if not data.strip():
        raise StudioError("The file is empty. Choose the YAML or JSON file of a form.", "empty")
    if b"\0" in data[:8192]:
        raise StudioError("This file is not a text file (it looks like a picture, a PDF or a "
                          "word-processor document). Choose a form file written in YAML or "
                          "JSON.", "binary")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise StudioError("This file is not written in UTF-8 text, so it cannot be a form file. "
                          "Save it as UTF-8 (plain text) and upload it again.", "encoding") \
            from None


def create(session: Session, *, form_id: str, department: str | None, text: str, by: str,
           how: str, now: datetime) -> FormDraft:
    """A new form's first draft; the id must be new (drafts and published forms alike)."""
    problem = id_problem(session, form_id)
    if problem:
        raise StudioError(problem, "id")
    _refuse_oversized(text)
    checked = check(text, form_id=form_id, department=department)
    draft = FormDraft(form_id=form_id, department=department, title=_title(checked, text),
                      source=text, source_name=source_name(form_id, text), revision=1,
                      errors=len(checked.errors), warnings=len(checked.warnings),
                      created_by=by, created_at=now, updated_by=by, updated_at=now)
    try:
        with session.begin_nested():
            session.add(draft)
            session.flush()
    except IntegrityError:
        raise StudioError(f"There is already a form with the id {form_id}. Choose another id.",
                          "id") from None
    _append(session, form_id, lifecycle.save(lifecycle.Publication(), actor=by,
                                             expected_revision=0, errors=len(checked.errors),
                                             now=now, kind="created", how=how))
    return draft


def _refuse_oversized(text: str) -> None:
    """Refuse text that cannot be a form file at all, before anything is stored: over 2 MB,
    or holding characters no text file has (NUL, unpaired surrogates), which PostgreSQL
    would refuse to store anyway."""
    if "\0" in text or any("\ud800" <= ch <= "\udfff" for ch in text):
        raise StudioError("The text holds characters that no text file has (it may have "
                          "been pasted from a picture, a PDF or a word processor), so it was "
                          "not saved. Your text is still in the box below: remove those "
                          "characters, or paste it as plain text, and save again.", "binary")
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_FILE_BYTES:
        raise StudioError(f"The definition is {size / 1_000_000:.1f} MB; a form can be at most "
                          "2 MB, so it was not saved. Your text is still in the box below: "
                          "shorten it (long lists of choices, repeated help texts) and save "
                          "again.", "too_large")


def _title(checked: Checked, text: str) -> str:
    if checked.form is not None:
        return checked.form.title.default[:300]
    match = re.search(r'^\s*"?title"?\s*:\s*"?([^"\n]+)', text, re.MULTILINE)
    return match.group(1).strip()[:300] if match else ""


def save(session: Session, form_id: str, *, text: str, expected_revision: int, by: str,
         now: datetime, kind: str = "saved", **data: Any) -> tuple[FormDraft, Checked]:
    """Save the draft text as typed, whatever its problems: work is never lost; a draft with
    errors just cannot be published. The row is locked, so of two saves of the same revision
    exactly one wins and the other gets :class:`StaleDraft`."""
    _refuse_oversized(text)
    draft = session.scalars(select(FormDraft).where(FormDraft.form_id == form_id)
                            .with_for_update()).first()
    if draft is None:
        draft = _draft_from_live(session, form_id, by, now)
    state = publication(session, form_id)
    checked = check(text, form_id=form_id, department=draft.department)
    try:
        records = lifecycle.save(state, actor=by, expected_revision=expected_revision,
                                 errors=len(checked.errors), now=now, kind=kind, **data)
    except lifecycle.PublicationError as error:
        raise StaleDraft(draft, error.message) from None
    if text == draft.source and expected_revision == draft.revision and \
            state.revision == draft.revision:
        return draft, checked
    draft.source = text
    draft.source_name = source_name(form_id, text)
    draft.revision = expected_revision + 1
    draft.errors, draft.warnings = len(checked.errors), len(checked.warnings)
    draft.title = _title(checked, text) or draft.title
    draft.updated_by, draft.updated_at = by, now
    _append(session, form_id, records)
    return draft, checked


def _draft_from_live(session: Session, form_id: str, by: str, now: datetime) -> FormDraft:
    """A draft for a form published elsewhere (``formbuilder publish``), from its live text."""
    live = publishing.latest_version(session, form_id)
    if live is None:
        raise StudioError("There is no such form.", "missing")
    row = session.get(FormRow, form_id)
    text = definition_text(live.definition)
    state = publication(session, form_id)
    draft = FormDraft(form_id=form_id, department=row.department if row else None,
                      title=str(live.definition.get("title", ""))[:300], source=text,
                      source_name=f"{form_id}.yaml", revision=state.revision, errors=0,
                      warnings=0, created_by=by, created_at=now, updated_by=by, updated_at=now)
    session.add(draft)
    session.flush()
    return draft


def ensure_draft(session: Session, form_id: str, *, by: str, now: datetime) -> FormDraft:
    draft = session.get(FormDraft, form_id)
    return draft if draft is not None else _draft_from_live(session, form_id, by, now)


KEY_ORDER = ("id", "title", "department", "description", "confirmation", "languages",
             "keywords", "reference_prefix", "applicant_email", "summary", "retention",
             "open_from", "open_until", "schema", "ui", "routing", "notify", "webhooks")


def definition_text(definition: Any) -> str:
    """A stored definition as YAML, its keys in the order FORMAT.md introduces them
    (translations beside their key), for restoring versions published without a draft."""
    if not isinstance(definition, dict):
        return yaml.safe_dump(definition, allow_unicode=True, sort_keys=False)

    def rank(key: str) -> tuple[int, str]:
        base = key.split("_")[0] if key.split("_")[0] in KEY_ORDER and key not in KEY_ORDER \
            else key
        return (KEY_ORDER.index(base) if base in KEY_ORDER else len(KEY_ORDER), key)

    ordered = {key: definition[key] for key in sorted(definition, key=rank)}
    return yaml.safe_dump(ordered, allow_unicode=True, sort_keys=False, width=100)


def text_diff(before: str, after: str, *, before_name: str, after_name: str) -> list[str]:
    """A unified diff of two draft texts, line by line, for the refused second save."""
    return list(difflib.unified_diff(before.splitlines(), after.splitlines(), before_name,
                                     after_name, lineterm="", n=2))[:2000]


# --- history and state ---------------------------------------------------------------------


def _append(session: Session, form_id: str, records: Sequence[Record]) -> None:
    for record in records:
        session.add(StudioEvent(form_id=form_id, kind=record.kind, actor=record.actor,
                                at=record.at, data=dict(record.data)))
    session.flush()


def events(session: Session, form_id: str) -> list[StudioEvent]:
    return list(session.scalars(select(StudioEvent).where(StudioEvent.form_id == form_id)
                                .order_by(StudioEvent.id)))


def records(rows: Sequence[StudioEvent]) -> list[Record]:
    return [Record(row.kind, row.actor, row.at, row.data) for row in rows]


def publication(session: Session, form_id: str) -> lifecycle.Publication:
    return lifecycle.replay(records(events(session, form_id)))


def live(session: Session, form_id: str) -> tuple[FormVersion, schemas.Form] | None:
    version = publishing.latest_version(session, form_id)
    return (version, publishing.form_of(version)) if version is not None else None


@dataclass
class Listed:
    """One row of the forms list."""

    form_id: str
    title: str
    department: str | None
    status: str
    version: int | None
    changed_at: datetime | None
    changed_by: str | None
    errors: int = 0
    asked: bool = False


def listing(session: Session, today: date) -> list[Listed]:
    """Every form the studio knows: drafts and published forms, newest change first."""
    drafts = {d.form_id: d for d in session.scalars(select(FormDraft))}
    versions = {v.form_id: v for v in publishing.published_forms(session)}
    departments = {row.id: row.department for row in session.scalars(select(FormRow))}
    history: dict[str, list[Record]] = {}
    for row in session.scalars(select(StudioEvent).order_by(StudioEvent.id)):
        history.setdefault(row.form_id, []).append(Record(row.kind, row.actor, row.at, row.data))
    found = []
    for form_id in sorted(set(drafts) | set(versions)):
        draft, version = drafts.get(form_id), versions.get(form_id)
        state = lifecycle.replay(history.get(form_id, []))
        pending = draft is not None and (version is None or state.pending)
        if version is None:
            status = "draft"
        elif not publishing.form_of(version).is_open(today):
            status = "closed"
        else:
            status = "live with a pending draft" if pending else "live"
        title = (draft.title if draft is not None and draft.title else
                 str(version.definition.get("title", "")) if version is not None else form_id)
        change = state.last_change
        changed_at, changed_by = (change.at, change.actor) if change is not None else (
            (version.published_at, version.published_by) if version is not None else (None, None))
        if version is not None and (changed_at is None or version.published_at > changed_at):
            changed_at, changed_by = version.published_at, version.published_by
        found.append(Listed(form_id, title, draft.department if draft is not None
                            else departments.get(form_id), status,
                            version.number if version is not None else None, changed_at,
                            changed_by, draft.errors if draft is not None else 0,
                            state.status == "asked"))
    return sorted(found, key=lambda row: -(row.changed_at.timestamp() if row.changed_at
                                           else 0))


def search(rows: Sequence[Listed], *, query: str = "", status: str = "",
           department: str = "") -> list[Listed]:
    words = query.casefold().split()
    return [row for row in rows
            if all(word in f"{row.form_id} {row.title} {row.department or ''}".casefold()
                   for word in words)
            and (not status or row.status == status or (status == "asked" and row.asked))
            and (not department or (row.department or "").casefold() == department.casefold())]


# --- publishing ----------------------------------------------------------------------------


@dataclass
class Review:
    """What the author asking and the publisher signing off both read."""

    state: lifecycle.Publication
    draft: FormDraft | None
    checked: Checked | None
    live: tuple[FormVersion, schemas.Form] | None
    changes: list[Change] = field(default_factory=list)


def review(session: Session, form_id: str) -> Review:
    draft = session.get(FormDraft, form_id)
    state = publication(session, form_id)
    current = live(session, form_id)
    if draft is None:
        return Review(state, None, None, current)
    checked = check(draft.source, form_id=form_id, department=draft.department)
    found = changes(current[1] if current else None, checked.form) \
        if checked.form is not None else []
    return Review(state, draft, checked, current, found)


def _act(session: Session, form_id: str, action: Any, **kwargs: Any) -> list[Record]:
    try:
        records = action(publication(session, form_id), **kwargs)
    except lifecycle.PublicationError as error:
        raise StudioError(error.message, error.code) from None
    _append(session, form_id, records)
    return records


def _lock(session: Session, form_id: str) -> FormDraft:
    draft = session.scalars(select(FormDraft).where(FormDraft.form_id == form_id)
                            .with_for_update()).first()
    if draft is None:
        raise StudioError("This form has no draft to publish.", "missing")
    return draft


def ask(session: Session, form_id: str, *, revision: int, reason: str, by: str,
        now: datetime) -> None:
    _lock(session, form_id)
    _act(session, form_id, lifecycle.ask, actor=by, revision=revision, reason=reason, now=now)


def withdraw(session: Session, form_id: str, *, by: str, now: datetime) -> None:
    _lock(session, form_id)
    _act(session, form_id, lifecycle.withdraw, actor=by, now=now)


def send_back(session: Session, form_id: str, *, revision: int, comment: str, by: str,
              now: datetime) -> None:
    _lock(session, form_id)
    _act(session, form_id, lifecycle.send_back, actor=by, revision=revision, comment=comment,
         now=now)


def sign_off(session: Session, form_id: str, *, revision: int, comment: str, by: str,
             now: datetime, self_publish: bool) -> FormVersion:
    """The publisher's sign-off and the new version, in one transaction."""
    draft = _lock(session, form_id)
    _act(session, form_id, lifecycle.sign_off, actor=by, revision=revision, comment=comment,
         now=now, self_publish=self_publish)
    return _publish_draft(session, draft, revision, by, now)


def publish_own(session: Session, form_id: str, *, revision: int, reason: str, by: str,
                now: datetime, self_publish: bool) -> FormVersion:
    draft = _lock(session, form_id)
    _act(session, form_id, lifecycle.publish_own, actor=by, revision=revision, reason=reason,
         now=now, self_publish=self_publish)
    return _publish_draft(session, draft, revision, by, now)


def _publish_draft(session: Session, draft: FormDraft, revision: int, by: str,
                   now: datetime) -> FormVersion:
    checked = check(draft.source, form_id=draft.form_id, department=draft.department)
    if checked.form is None:
        raise StudioError("The draft has problems, so it cannot be published.", "has_errors")
    # The version (and the audit log) name who published it: the person signing off; who
    # asked, and why, stay in the studio's history beside it.
    version, _ = publishing.publish(session, checked.form, by=by, now=now)
    _act(session, draft.form_id, lifecycle.published, actor=by, version=version.number,
         now=now, revision=revision)
    return version


def record_published(session: Session, version: FormVersion, *, by: str, now: datetime,
                     how: str) -> None:
    """A version published outside the draft (the CLI, closing, reopening)."""
    _act(session, version.form_id, lifecycle.published, actor=by, version=version.number,
         now=now, how=how)


# --- history: restore, close, reopen --------------------------------------------------------


def versions(session: Session, form_id: str) -> list[FormVersion]:
    return list(session.scalars(select(FormVersion).where(FormVersion.form_id == form_id)
                                .order_by(FormVersion.number.desc())))


def version_changes(session: Session, form_id: str) -> dict[int, list[Change]]:
    """Each version's changes against the one before it."""
    found: dict[int, list[Change]] = {}
    previous: schemas.Form | None = None
    for version in reversed(versions(session, form_id)):
        form = publishing.form_of(version)
        found[version.number] = changes(previous, form)
        previous = form
    return found


def restore(session: Session, form_id: str, number: int, *, expected_revision: int, by: str,
            now: datetime) -> FormDraft:
    """An old version's definition becomes the draft's next revision (the live version is
    untouched until that draft is published)."""
    version = publishing.get_version(session, form_id, number)
    if version is None:
        raise StudioError("There is no such version.", "missing")
    ensure_draft(session, form_id, by=by, now=now)
    saved, _ = save(session, form_id, text=definition_text(version.definition),
                    expected_revision=expected_revision, by=by, now=now, kind="restored",
                    version=number)
    return saved


def close(session: Session, form_id: str, *, on: date, message: str, by: str,
          now: datetime) -> FormVersion:
    """Close the form from ``on``: a new version whose ``open_until`` is the day before, so
    the form file stays the one truth of when residents may send it."""
    current = live(session, form_id)
    if current is None:
        raise StudioError("This form has never been published, so there is nothing to close.",
                          "not_live")
    definition = dict(current[0].definition)
    definition["open_until"] = (on - timedelta(days=1)).isoformat()
    version = _publish_definition(session, definition, by, now)
    record_published(session, version, by=by, now=now, how="closed")
    _act(session, form_id, lifecycle.close, actor=by, on=on, message=message, now=now)
    return version


def reopen(session: Session, form_id: str, *, by: str, now: datetime) -> FormVersion:
    current = live(session, form_id)
    if current is None:
        raise StudioError("This form has never been published.", "not_live")
    was_closed = publication(session, form_id).closed is not None
    definition = dict(current[0].definition)
    definition.pop("open_until", None)
    version = _publish_definition(session, definition, by, now)
    record_published(session, version, by=by, now=now, how="reopened")
    if was_closed:
        _append(session, form_id, [Record("reopened", by, now, {})])
    return version


def _publish_definition(session: Session, definition: dict[str, Any], by: str,
                        now: datetime) -> FormVersion:
    try:
        form = schemas.load_definition(definition, name=str(definition.get("id")))
    except schemas.FormError as error:
        raise StudioError("The live version cannot be republished as it is: "
                          + "; ".join(p.message for p in error.problems[:3]), "invalid") \
            from None
    version, _ = publishing.publish(session, form, by=by, now=now)
    return version


def closure_message(session: Session, form_id: str) -> str | None:
    """The message residents read on a closed form, from the last ``closed`` record."""
    last = session.scalars(select(StudioEvent).where(
        StudioEvent.form_id == form_id, StudioEvent.kind.in_(("closed", "reopened")))
        .order_by(StudioEvent.id.desc()).limit(1)).first()
    if last is None or last.kind != "closed":
        return None
    message = last.data.get("message")
    return message if isinstance(message, str) and message.strip() else None


# --- preview -------------------------------------------------------------------------------


def preview_answers(session: Session, form_id: str, user: User) -> dict[str, Any]:
    row = session.scalars(select(StudioPreview).where(
        StudioPreview.form_id == form_id, StudioPreview.user_id == user.id)).first()
    return dict(row.answers) if row is not None else {}


def save_preview(session: Session, form_id: str, user: User, answers: dict[str, Any],
                 now: datetime) -> None:
    row = session.scalars(select(StudioPreview).where(
        StudioPreview.form_id == form_id, StudioPreview.user_id == user.id)
        .with_for_update()).first()
    if row is None:
        session.add(StudioPreview(form_id=form_id, user_id=user.id, answers=answers,
                                  updated_at=now))
    else:
        row.answers, row.updated_at = answers, now
    session.flush()


def clear_preview(session: Session, form_id: str, user: User) -> None:
    row = session.scalars(select(StudioPreview).where(
        StudioPreview.form_id == form_id, StudioPreview.user_id == user.id)).first()
    if row is not None:
        session.delete(row)
        session.flush()


def holders(session: Session, name: str) -> list[str]:
    """The active staff who hold a role (or the account of an email), for the route tester."""
    from formbuilder.models import Membership

    if "@" in name:
        user = session.scalars(select(User).where(User.email == name.lower())).first()
        return [user.email] if user is not None and user.active else []
    return list(session.scalars(select(User.email).join(Membership).where(
        Membership.role == name, User.active.is_(True)).order_by(User.email)))

