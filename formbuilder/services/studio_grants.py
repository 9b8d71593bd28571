"""Who may do what in the studio: ``author`` and ``publisher`` grants, written and read.

An admin types grants one per line on the staff account page, in words:

    author                     every form
    author of Public Works     the forms of one department
    author of form dog-license one form
    publisher                  signs off and publishes every form
    publisher of Public Works  ... the forms of one department

A form's department for these rules is the one its draft was created in (or its published
version's), never what the draft's text says now: an author cannot move a form out of
another department's reach, or into their own, by typing a new ``department:``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from formbuilder.models import StudioGrant, User

Grant = Literal["author", "publisher"]
GRANTS: tuple[Grant, ...] = ("author", "publisher")
MAX_GRANTS = 100
_LINE = re.compile(r"^(?P<grant>author|publisher)(?:\s+of\s+(?P<form>form\s+)?(?P<what>.+))?$",
                   re.IGNORECASE)
_FORM_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


class GrantError(ValueError):
    """A line of grants that cannot be read; the message says how to write it."""


@dataclass(frozen=True)
class FormScope:
    """What a studio permission is asked about: one form and the department it belongs to."""

    form_id: str | None
    department: str | None


@dataclass(frozen=True)
class GrantLine:
    grant: Grant
    department: str | None = None
    form_id: str | None = None

    def __str__(self) -> str:
        if self.form_id:
            return f"{self.grant} of form {self.form_id}"
        return f"{self.grant} of {self.department}" if self.department else self.grant


def same_department(one: str | None, other: str | None) -> bool:
    return one is not None and other is not None and \
        " ".join(one.split()).casefold() == " ".join(other.split()).casefold()


def parse_grants(text: str) -> list[GrantLine]:
    """Grants from the admin page's text box, one per line; blank lines are ignored."""
    found: list[GrantLine] = []
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if not line:
            continue
        match = _LINE.match(line)
        if match is None:
            raise GrantError(
                f"“{line[:100]}” is not a grant. Write author, author of Public Works, author "
                "of form dog-license, publisher or publisher of Public Works, one per line.")
        grant: Grant = match["grant"].lower()  # type: ignore[assignment]
        what = (match["what"] or "").strip()
        if match["form"]:
            if grant == "publisher":
                raise GrantError("A publisher is granted for a department or for every form, "
                                 f"not for one form: “{line[:100]}”.")
            if not _FORM_ID.match(what):
                raise GrantError(f"“{what[:100]}” is not a form id: lower-case letters, digits "
                                 "and dashes, like dog-license.")
            item = GrantLine(grant, form_id=what)
        else:
            if len(what) > 200:
                raise GrantError("A department name must be at most 200 characters long.")
            item = GrantLine(grant, department=what or None)
        if item not in found:
            found.append(item)
    if len(found) > MAX_GRANTS:
        raise GrantError(f"At most {MAX_GRANTS} grants per person.")
    return found


def _line(row: StudioGrant) -> GrantLine | None:
    if row.grant == "author":
        return GrantLine("author", row.department, row.form_id)
    if row.grant == "publisher":
        return GrantLine("publisher", row.department, row.form_id)
    return None


def grants_of(user: User) -> list[GrantLine]:
    return [line for row in user.studio_grants if (line := _line(row)) is not None]


def grants_text(user: User) -> str:
    return "\n".join(str(line) for line in grants_of(user))


def set_grants(session: Session, user: User, lines: Iterable[GrantLine]) -> None:
    wanted = list(lines)
    user.studio_grants = [row for row in user.studio_grants if _line(row) in wanted]
    have = set(grants_of(user))
    user.studio_grants += [StudioGrant(grant=line.grant, department=line.department,
                                       form_id=line.form_id)
                           for line in wanted if line not in have]
    session.flush()


def uses_studio(user: User | None) -> bool:
    """Whether the studio is for this person at all (the navigation link, the forms list)."""
    return user is not None and user.active and (user.is_admin or bool(user.studio_grants))


def allowed(user: User, action: str, scope: FormScope) -> bool:
    """The studio's rule, asked through ``permissions.can``: ``author`` edits drafts,
    ``publish`` signs off and publishes, ``see`` is either."""
    if action == "see":
        return allowed(user, "author", scope) or allowed(user, "publish", scope)
    grant = "author" if action == "author" else "publisher"
    for line in grants_of(user):
        if line.grant != grant:
            continue
        if line.form_id is not None:
            if scope.form_id == line.form_id:
                return True
        elif line.department is None or same_department(line.department, scope.department):
            return True
    return False


def departments_for(user: User, grant: Grant = "author") -> list[str] | None:
    """The departments a person may create forms in; ``None`` means any."""
    if user.is_admin:
        return None
    lines = [line for line in grants_of(user) if line.grant == grant and line.form_id is None]
    if any(line.department is None for line in lines):
        return None
    return sorted({line.department for line in lines if line.department})
