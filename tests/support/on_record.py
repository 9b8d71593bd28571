"""What a test puts on record before it starts, through the real services: a published form
with submissions sent to it, and a resident's upload (the bytes in storage, an attachment row).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

import schemas
from formbuilder.files.storage import Storage, Stored
from formbuilder.models import Attachment, FormVersion
from formbuilder.services import publishing
from formbuilder.services.submissions import create_submission


def publish_with_submissions(session: Session, definition: Mapping[str, Any],
                             sent: Iterable[tuple[Mapping[str, Any], datetime]]
                             ) -> FormVersion:
    """Publish ``definition`` and send it each ``(answers, when)`` of ``sent``, in English."""
    version, _ = publishing.publish(session, schemas.load_definition(dict(definition)))
    for answers, when in sent:
        create_submission(session, version, dict(answers), language="en", idempotency_key=None,
                          now=when)
    return version


def stored_upload(session: Session, storage: Storage, form_id: str, file_name: str,
                  media_type: str, data: bytes, **columns: Any) -> tuple[str, Stored]:
    """``data`` put in ``storage`` and recorded as an upload to the ``photo`` question of
    ``form_id`` (``columns`` are more of the attachment's columns): the attachment's id, and
    what the storage kept."""
    stored = storage.put(io.BytesIO(data), size_limit=10**6)
    attachment = Attachment(form_id=form_id, field="photo", file_name=file_name,
                            media_type=media_type, size=stored.size, sha256=stored.sha256,
                            storage_key=stored.key, **columns)
    session.add(attachment)
    session.flush()
    return attachment.id, stored
