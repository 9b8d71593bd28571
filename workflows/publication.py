"""A form's road from draft to published, replayed from its append-only history.

The studio writes one record per thing that happened to a form (saved, asked, sent back,
signed off, published, closed, reopened, restored) and never updates one. Like
:func:`workflows.replay` for submissions, :func:`replay` folds those records into where the
form stands now, and the action functions (:func:`save`, :func:`ask`, :func:`sign_off`, ...)
check an action against that state and return the records to append, or raise
:class:`PublicationError` with a sentence a clerk can act on. Nothing here stores anything,
knows a database or a web framework; the caller appends the records in the same transaction
as the draft text and the published version.

Two rules carry the weight. A publisher signs off exactly the revision that was asked for:
saving again after asking withdraws the request, so nobody publishes text they did not see.
And unless the city allows it (``self_publish``), the person who asked may not sign off.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Literal

from workflows.records import Record

Status = Literal["none", "editing", "asked", "sent_back", "published"]
MAX_COMMENT = 4000


class PublicationError(Exception):
    """An action the form's state does not allow; ``code`` is stable, the message plain."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Publication:
    """Where a form stands in the studio, derived from its history alone.

    ``revision`` counts saves of the draft text (0: no draft yet); ``published_revision`` is
    the revision the live version was made from (``None`` when the live version came from
    elsewhere, such as ``formbuilder publish`` or closing the form).
    """

    status: Status = "none"
    revision: int = 0
    errors: int = 0
    live_version: int | None = None
    published_revision: int | None = None
    asked: Record | None = None
    sent_back: Record | None = None
    signed_off: Record | None = None
    published: Record | None = None
    closed: Record | None = None
    last_change: Record | None = None
    lapsed: Record | None = None

    @property
    def pending(self) -> bool:
        """Whether the draft holds changes the live version does not."""
        return self.revision > 0 and (self.published_revision is None
                                      or self.revision > self.published_revision)

    @property
    def asked_revision(self) -> int | None:
        return _int(self.asked.data.get("revision")) if self.asked is not None else None

    def label(self, today: date) -> str:
        """The one word the forms list shows: draft, live, closed, live with a pending draft."""
        if self.live_version is None:
            return "draft"
        if self.is_closed(today):
            return "closed"
        return "live with a pending draft" if self.pending else "live"

    def is_closed(self, today: date) -> bool:
        if self.closed is None:
            return False
        on = _date(self.closed.data.get("on"))
        return on is not None and on <= today


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


# --- replay --------------------------------------------------------------------------------


def replay(history: Sequence[Record]) -> Publication:
    """The form's state from its records, in the order they were appended; never raises.

    A record that does not fit the state it meets (a sign-off of a revision nobody asked for,
    data of the wrong shape, a kind this engine does not know) changes nothing.
    """
    state = Publication()
    for record in history:
        data = record.data if isinstance(record.data, Mapping) else {}
        handler = _HANDLERS.get(record.kind)
        if handler is not None:
            state = handler(state, record, data)
    return state


def _saved(state: Publication, record: Record, data: Mapping[str, Any]) -> Publication:
    revision = _int(data.get("revision"))
    if revision is None or revision <= state.revision:
        return state
    errors = _int(data.get("errors")) or 0
    changed = replace(state, revision=revision, errors=errors, last_change=record)
    if state.status in ("asked", "sent_back"):
        # Saving again withdraws a request: the publisher must see what they sign.
        lapsed = record if state.status == "asked" else None
        return replace(changed, status="editing", asked=None, sent_back=None, lapsed=lapsed)
    if state.status in ("none", "published"):
        return replace(changed, status="editing")
    return changed


def _asked(state: Publication, record: Record, data: Mapping[str, Any]) -> Publication:
    if _int(data.get("revision")) != state.revision or state.status not in (
            "editing", "sent_back", "published") or not state.pending:
        return state
    return replace(state, status="asked", asked=record, sent_back=None, signed_off=None,
                   lapsed=None, last_change=record)


def _withdrawn(state: Publication, record: Record, data: Mapping[str, Any]) -> Publication:
    if state.status != "asked":
        return state
    return replace(state, status="editing", asked=None, last_change=record)


def _sent_back(state: Publication, record: Record, data: Mapping[str, Any]) -> Publication:
    if state.status != "asked" or _int(data.get("revision")) != state.asked_revision:
        return state
    return replace(state, status="sent_back", sent_back=record, last_change=record)


def _signed_off(state: Publication, record: Record, data: Mapping[str, Any]) -> Publication:
    if state.status != "asked" or _int(data.get("revision")) != state.asked_revision:
        return state
    return replace(state, signed_off=record, last_change=record)


def _published(state: Publication, record: Record, data: Mapping[str, Any]) -> Publication:
    version = _int(data.get("version"))
    if version is None or (state.live_version is not None and version <= state.live_version):
        return state
    revision = _int(data.get("revision"))
    if revision is not None:
        # From the draft: only the signed-off revision may be published this way.
        if state.signed_off is None or revision != state.asked_revision:
            return state
        return replace(state, status="published", live_version=version,
                       published_revision=revision, published=record, asked=None,
                       sent_back=None, closed=None, last_change=record)
    # Published outside the draft (the CLI, closing, reopening): the draft is untouched.
    return replace(state, live_version=version, published=record, closed=None,
                   last_change=record)


def _closed(state: Publication, record: Record, data: Mapping[str, Any]) -> Publication:
    if state.live_version is None or _date(data.get("on")) is None:
        return state
    return replace(state, closed=record, last_change=record)


def _reopened(state: Publication, record: Record, data: Mapping[str, Any]) -> Publication:
    return replace(state, closed=None, last_change=record)


_HANDLERS = {
    "created": _saved,
    "saved": _saved,
    "restored": _saved,
    "asked": _asked,
    "withdrawn": _withdrawn,
    "sent_back": _sent_back,
    "signed_off": _signed_off,
    "published": _published,
    "closed": _closed,
    "reopened": _reopened,
}


# --- actions -------------------------------------------------------------------------------


def save(state: Publication, *, actor: str, expected_revision: int, errors: int,
         now: datetime, kind: str = "saved", **data: Any) -> list[Record]:
    """A new revision of the draft text.

    ``expected_revision`` is the revision the editor was opened on: when someone saved in
    between, the save is refused (``stale``) instead of silently replacing their work.
    """
    if expected_revision != state.revision:
        raise PublicationError("stale", "Someone else saved this draft after you opened it, so "
                               "your text was not saved. Compare the two below, then save "
                               "again from the newest one.")
    return [Record(kind, actor, now, {**data, "revision": state.revision + 1,
                                       "errors": max(0, errors)})]


def ask(state: Publication, *, actor: str, revision: int, reason: str,
        now: datetime) -> list[Record]:
    """Ask a publisher to sign off the draft as it is at ``revision``."""
    _same_revision(state, revision)
    if state.status == "asked":
        raise PublicationError("already_asked", "Publication of this draft was already asked "
                               "for; a publisher will sign it off or send it back.")
    if not state.pending:
        raise PublicationError("nothing_new", "The draft is the same as the live version, so "
                               "there is nothing to publish. Change it first.")
    if state.errors:
        raise PublicationError("has_errors", "The draft still has problems. Fix every problem "
                               "the checker shows, save, then ask again.")
    return [Record("asked", actor, now, {"revision": revision,
                                          "reason": _comment(reason)})]


def withdraw(state: Publication, *, actor: str, now: datetime) -> list[Record]:
    if state.status != "asked":
        raise PublicationError("not_asked", "Nobody has asked to publish this draft.")
    return [Record("withdrawn", actor, now, {"revision": state.revision})]


def send_back(state: Publication, *, actor: str, revision: int, comment: str,
              now: datetime) -> list[Record]:
    """A publisher returns the draft to its authors with a comment saying what to change."""
    _asked_for(state, revision)
    text = _comment(comment)
    if not text:
        raise PublicationError("comment_required", "Write a comment: the author needs to know "
                               "what to change.")
    return [Record("sent_back", actor, now, {"revision": revision, "comment": text})]


def sign_off(state: Publication, *, actor: str, revision: int, comment: str, now: datetime,
             self_publish: bool) -> list[Record]:
    """A publisher signs off the asked-for revision; the caller then publishes it and appends
    :func:`published`. Without ``self_publish`` the asker needs a second person."""
    _asked_for(state, revision)
    assert state.asked is not None
    if not self_publish and same_person(state.asked.actor, actor):
        raise PublicationError("second_person", "You asked for this publication, so someone "
                               "else must sign it off: this city's settings require a second "
                               "person.")
    return [Record("signed_off", actor, now, {"revision": revision,
                                               "comment": _comment(comment)})]


def publish_own(state: Publication, *, actor: str, revision: int, reason: str, now: datetime,
                self_publish: bool) -> list[Record]:
    """Ask and sign off at once, where the city lets authors publish their own changes."""
    if not self_publish:
        raise PublicationError("second_person", "This city's settings require a second person "
                               "to sign off every publication. Ask a publisher instead.")
    asked = ask(state, actor=actor, revision=revision, reason=reason, now=now)
    after = _asked(state, asked[0], asked[0].data)
    return [*asked, *sign_off(after, actor=actor, revision=revision, comment="", now=now,
                              self_publish=True)]


def published(state: Publication, *, actor: str, version: int, now: datetime,
              revision: int | None = None, how: str = "draft") -> list[Record]:
    """That ``version`` went live: from the signed-off ``revision``, or from elsewhere."""
    if revision is not None and (state.signed_off is None or revision != state.asked_revision):
        raise PublicationError("not_signed_off", "Only a signed-off draft can be published.")
    data: dict[str, Any] = {"version": version, "how": how}
    if revision is not None:
        data["revision"] = revision
    return [Record("published", actor, now, data)]


def close(state: Publication, *, actor: str, on: date, message: str,
          now: datetime) -> list[Record]:
    """Close the live form from ``on`` (today: now), with a message residents read."""
    if state.live_version is None:
        raise PublicationError("not_live", "This form has never been published, so there is "
                               "nothing to close.")
    return [Record("closed", actor, now, {"on": on.isoformat(),
                                           "message": _comment(message)})]


def reopen(state: Publication, *, actor: str, now: datetime) -> list[Record]:
    if state.closed is None:
        raise PublicationError("not_closed", "This form is not closed.")
    return [Record("reopened", actor, now, {})]


def same_person(one: str, other: str) -> bool:
    return one.casefold() == other.casefold()


def _same_revision(state: Publication, revision: int) -> None:
    if revision != state.revision:
        raise PublicationError("stale", "The draft changed since you opened this page. Read the "
                               "changes again before going on.")


def _asked_for(state: Publication, revision: int) -> None:
    if state.status != "asked" or state.asked_revision is None:
        raise PublicationError("not_asked", "Nobody is asking to publish this draft now: it "
                               "was changed, withdrawn, sent back or already published.")
    if revision != state.asked_revision:
        raise PublicationError("stale", "The draft changed since you opened this page, so the "
                               "request you read is no longer the one waiting.")


def _comment(text: str | None) -> str:
    return (text or "").strip()[:MAX_COMMENT]
