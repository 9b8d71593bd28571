"""A small routed form in three languages for the mail and notification tests, and the
steps a resident and staff take on it through the real services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

import schemas
from formbuilder.database import Database
from formbuilder.models import FormVersion, Job
from formbuilder.services import publishing, routing, submissions

APPLICANT = "ana@example.org"


def permit_definition(**extra: Any) -> dict[str, Any]:
    """The form; an ``extra`` key given as ``None`` is left out."""
    definition = {
        "id": "street-permit",
        "title": "Street permit", "title_es": "Permiso de calle", "title_zh": "街道许可证",
        "reference_prefix": "SP",
        "applicant_email": "email",
        "schema": {
            "type": "object",
            "required": ["place", "email"],
            "properties": {
                "place": {"type": "string", "title": "Where?", "title_es": "¿Dónde?",
                          "title_zh": "在哪里？", "maxLength": 500},
                "email": {"type": "string", "format": "email", "title": "Your email",
                          "title_es": "Su correo", "title_zh": "您的电子邮件"},
            },
        },
        "routing": [
            {"step": "Review", "step_es": "Revisión", "step_zh": "审核", "assign": "reviewers",
             "due": "2 days", "escalate_to": "supervisors"},
            {"step": "Sign-off", "step_es": "Firma", "step_zh": "签字",
             "all_of": ["finance", "legal@city.gov"]},
        ],
        **extra,
    }
    return {key: value for key, value in definition.items() if value is not None}


def publish_permit(db: Database, **extra: Any) -> FormVersion:
    with db.session() as session:
        version, _ = publishing.publish(session, schemas.load_definition(
            permit_definition(**extra)), by="clerk@example.gov")
    return version


@dataclass(frozen=True)
class Clerk:
    """What routing needs of a staff member."""

    email: str
    roles: frozenset[str]


def submit(db: Database, version: FormVersion, *, lang: str = "en", place: str = "Main St",
           email: str = APPLICANT, now: datetime | None = None) -> str:
    with db.session() as session:
        created, _ = submissions.create_submission(
            session, session.get(FormVersion, version.id), {"place": place, "email": email},
            language=lang, idempotency_key=None, now=now)
        return created.reference


def decide(db: Database, reference: str, who: str, roles: set[str], step: int, role: str,
           decision: str, comment: str | None = None, now: datetime | None = None) -> None:
    with db.session() as session:
        found = submissions.get_by_reference(session, reference)
        routing.decide(session, found, Clerk(who, frozenset(roles)), step, role,
                       decision, comment, now)  # type: ignore[arg-type]


def email_jobs(db: Database) -> list[tuple[str, str, str]]:
    """(kind of email, recipient, language) of every email job, in the order of its event."""
    with db.session(readonly=True) as session:
        rows = sorted(session.scalars(select(Job).where(Job.kind == "email")).all(),
                      key=lambda r: (r.payload.get("event", 0), r.id))
        return [(r.payload["kind"], r.payload["to"], r.payload["lang"]) for r in rows]


def status(db: Database, reference: str) -> str:
    with db.session(readonly=True) as session:
        return submissions.get_by_reference(session, reference).status
