"""API tokens: one per integration, made by an admin, with scopes, shown once, kept hashed.

A token is ``fbt_`` and 32 random bytes; only its SHA-256 is stored (with a short prefix to
tell tokens apart in lists), so a copy of the database opens nothing. Revoking stamps
``revoked_at``; the row stays, so the audit log's "token:<name>" entries keep their meaning.
Scopes: ``read`` (forms, submissions, files), ``decide`` (record decisions), ``submit``
(send a form for a resident, on behalf of a counter clerk).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from formbuilder.models import ApiToken, utcnow
from schemas.i18n import Words

SCOPES = ("read", "decide", "submit")
PREFIX = "fbt_"
MAX_TOKEN_LENGTH = 100
# Last use is written at most this often per token, so a busy integration is not a write
# per request.
LAST_USE_GRANULARITY = timedelta(minutes=1)


class TokenError(ValueError):
    """A token cannot be made as asked (no name, unknown scope); the message says why."""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(session: Session, name: str, scopes: Iterable[str], *, by: str,
           now: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token row and the token itself, which is never stored nor shown again."""
    name = " ".join(name.split())[:100]
    wanted = sorted(set(scopes), key=SCOPES.index) if set(scopes) <= set(SCOPES) else None
    if not name:
        raise TokenError(Words("Give the token a name: the integration that will use it."))
    if not wanted:
        raise TokenError(Words("Choose at least one scope of %(scopes)s.",
                               scopes=", ".join(SCOPES)))
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name, token_hash=digest(token), prefix=token[:10],
                   scopes=" ".join(wanted), created_by=by, created_at=now or utcnow())
    session.add(row)
    session.flush()
    return row, token


def authenticate(session: Session, token: str, now: datetime | None = None
                 ) -> ApiToken | None:
    """The live token this text is, or ``None``; notes its use (at most once a minute)."""
    if not token.startswith(PREFIX) or len(token) > MAX_TOKEN_LENGTH:
        return None
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == digest(token))).first()
    if row is None or row.revoked_at is not None \
            or not hmac.compare_digest(row.token_hash, digest(token)):
        return None
    moment = now or utcnow()
    if row.last_used_at is None or moment - row.last_used_at >= LAST_USE_GRANULARITY:
        row.last_used_at = moment
    return row


def allows(token: ApiToken, scope: str) -> bool:
    return scope in token.scopes.split()


def every(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.created_at, ApiToken.id)))


def revoke(session: Session, token_id: int, now: datetime | None = None) -> ApiToken | None:
    row = session.get(ApiToken, token_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = now or utcnow()
    return row
