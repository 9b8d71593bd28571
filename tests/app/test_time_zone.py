"""Times in the city's zone (FORMBUILDER_TIME_ZONE), named, on pages, emails and PDFs; the
staff PDF in English or in the resident's language, each cached apart."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from staff import make_staff

import schemas
from formbuilder.mail.compose import compose
from formbuilder.models import Event, Submission
from formbuilder.services import documents, publishing
from formbuilder.services.submissions import create_submission

SENT = datetime(2030, 1, 15, 15, 30, tzinfo=UTC)  # 09:30 in Chicago (CST, UTC-6)
DEFINITION = {
    "id": "tree-permit", "title": "Tree permit", "title_es": "Permiso de árbol",
    "reference_prefix": "TP", "applicant_email": "email",
    "routing": [{"step": "Review", "step_es": "Revisión", "assign": "parks", "due": "1 day"}],
    "schema": {"type": "object", "properties": {
        "email": {"type": "string", "format": "email", "title": "Email",
                  "title_es": "Correo"},
        "tree": {"type": "string", "title": "Which tree?", "title_es": "¿Qué árbol?"}}},
}


@pytest.fixture
def app_config():
    return {"TIME_ZONE": "America/Chicago"}


@pytest.fixture
def reference(db, app):
    with db.session() as session:
        version, _ = publishing.publish(session, schemas.load_definition(DEFINITION))
        found, _ = create_submission(session, version, {"email": "ana@example.org",
                                                        "tree": "Oak"},
                                     language="es", idempotency_key=None, now=SENT)
        return found.reference


def _pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_pages_show_the_sent_time_in_the_city_zone_named(db, app, staff, reference):
    make_staff(db, "pat@city.gov", ["parks"])
    staff.sign_in("pat@city.gov")
    for url in (f"/staff/submissions/{reference}", "/staff/submissions"):
        page = staff.client.get(url).get_data(as_text=True)
        assert "2030-01-15 09:30 CST" in page and "15:30" not in page


def test_the_receipt_email_and_its_pdf_say_the_time_in_the_city_zone(db, app, reference):
    with db.session() as session:
        event = session.scalars(select(Event).where(Event.kind == "submitted")).one()
        letter = compose(app.config, session, app.extensions["storage"],
                         {"kind": "receipt", "event": event.id})
    assert any("2030-01-15 09:30 CST" in line for line in letter.paragraphs)
    text = _pdf_text(letter.files[0].data)
    assert "9:30:00" in text and "CST" in text and "15:30" not in text


def test_staff_print_the_pdf_in_english_or_the_residents_language(db, app, staff, reference):
    make_staff(db, "pat@city.gov", ["parks"])
    staff.sign_in("pat@city.gov")
    page = staff.client.get(f"/staff/submissions/{reference}").get_data(as_text=True)
    assert f"/staff/submissions/{reference}/pdf?lang=es" in page
    assert f"/staff/submissions/{reference}/pdf?lang=en" in page
    spanish = _pdf_text(staff.client.get(f"/staff/submissions/{reference}/pdf?lang=es").data)
    english = _pdf_text(staff.client.get(f"/staff/submissions/{reference}/pdf?lang=en").data)
    assert "Permiso de árbol" in spanish and "¿Qué árbol?" in spanish and "CST" in spanish
    assert "Tree permit" in english and "Which tree?" in english and "CST" in english
    # Printing in Spanish leaves the clerk's own pages in English.
    assert "All submissions" in staff.client.get("/staff/submissions").get_data(as_text=True)
    unknown = staff.client.get(f"/staff/submissions/{reference}/pdf?lang=xx")
    assert unknown.status_code == 200 and "Permiso de árbol" in _pdf_text(unknown.data)
    with db.session() as session:
        found = session.scalars(select(Submission)).one()
        last = session.scalar(select(Event.id).order_by(Event.id.desc()).limit(1))
        storage = app.extensions["storage"]
        keys = {documents.pdf_key(found, last, lang) for lang in ("es", "en")}
        assert len(keys) == 2 and all(storage.exists(key) for key in keys)
        assert keys <= set(documents.pdf_keys(found, [last]))
