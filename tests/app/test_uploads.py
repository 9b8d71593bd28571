"""Uploads are judged by their bytes, stored under random names, and refused when too large."""

from __future__ import annotations

import io
import random
import struct
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from resident import pdf_bytes, png_bytes
from sqlalchemy import select
from sqlalchemy.orm import Session

from formbuilder.database import Database
from formbuilder.files.storage import LocalStorage, TooLarge
from formbuilder.files.uploads import (
    DOCX,
    EXECUTABLE,
    ODT,
    XLSX,
    ZIP,
    accepts,
    parse_accept,
    safe_file_name,
    sniff,
    sniff_file,
)
from formbuilder.models import Attachment
from formbuilder.services import drafts
from formbuilder.services.submissions import create_submission

# Real files, built from their specifications' bytes (the PNG and PDF are resident's).


def jpeg() -> bytes:
    """A valid 8x8 grey baseline JPEG: one block whose coefficients are all zero."""

    def segment(marker: int, data: bytes) -> bytes:
        return struct.pack(">BBH", 0xFF, marker, len(data) + 2) + data

    one_code = bytes([1] + [0] * 15)  # a single Huffman code of length 1
    return b"".join([
        b"\xff\xd8",
        segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
        segment(0xDB, b"\x00" + b"\x01" * 64),
        segment(0xC0, b"\x08\x00\x08\x00\x08\x01\x01\x11\x00"),
        segment(0xC4, b"\x00" + one_code + b"\x00"),  # DC: difference 0
        segment(0xC4, b"\x10" + one_code + b"\x00"),  # AC: end of block
        segment(0xDA, b"\x01\x01\x00\x00\x3f\x00"),
        b"\x3f",  # DC code 0, EOB code 0, padded with ones
        b"\xff\xd9",
    ])


def windows_program() -> bytes:
    """The start of a PE executable: DOS header pointing at a PE header."""
    dos = b"MZ" + b"\x90\x00" * 29 + struct.pack("<I", 64)
    return dos + b"PE\x00\x00" + b"\x4c\x01" + b"\x00" * 200 + b"This program cannot be run"


WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
EXCEL = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
WORD_WITH_MACROS = "application/vnd.ms-word.document.macroEnabled.main+xml"


def office(main_part: str, *, content_types_first: bool = True) -> bytes:
    """A minimal Office Open XML package whose main part has the given content type."""
    types = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
             f'2006/content-types"><Override PartName="/main.xml" ContentType="{main_part}"/>'
             '</Types>')
    picture = random.Random(0).randbytes(20_000)  # does not compress: fills the head
    members = [("[Content_Types].xml", types.encode()), ("_rels/.rels", b"<Relationships/>"),
               ("media/picture.jpg", picture)]
    if not content_types_first:
        members.reverse()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members:
            archive.writestr(name, content)
    return buffer.getvalue()


def opendocument() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", ODT, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", "<office:document-content/>",
                         compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


# Sniffing


@pytest.mark.parametrize(("content", "media_type"), [
    (png_bytes(), "image/png"),
    (jpeg(), "image/jpeg"),
    (pdf_bytes(), "application/pdf"),
    (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/gif"),
    (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
    (b"II*\x00\x08\x00\x00\x00", "image/tiff"),
    (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "image/heic"),
    (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1miaf", "image/heif"),
    (office(WORD), DOCX),
    (office(EXCEL), XLSX),
    (opendocument(), ODT),
    ("Dear clerk,\r\nplease find my letter — ¡gracias!\n".encode(), "text/plain"),
    (windows_program(), EXECUTABLE),
    (b"\x7fELF\x02\x01\x01" + b"\x00" * 60, EXECUTABLE),
    (b"\xcf\xfa\xed\xfe\x07\x00\x00\x01", EXECUTABLE),
    (b"#!/bin/sh\nrm -rf ~\n", "text/x-script"),
    (b"<!DOCTYPE html><script>alert(1)</script>", "text/html"),
    (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml"),
    (b"\x00\x01\x02binary", None),
    (b"", None),
])
def test_files_are_known_by_their_bytes(content: bytes, media_type: str | None):
    assert sniff(content[:8192]) == media_type
    assert sniff_file(io.BytesIO(content)) == media_type


def test_a_program_named_pdf_is_refused():
    program = windows_program()
    stored_name = safe_file_name("invoice.pdf")
    assert stored_name == "invoice.pdf"  # the name says PDF; nothing reads it
    assert not accepts(["application/pdf"], sniff(program))
    assert not accepts(["*/*"], sniff(program))
    assert not accepts([], sniff(program))


def test_real_images_and_documents_are_accepted():
    accepted = parse_accept("image/jpeg, image/png, application/pdf")
    for content in (png_bytes(), jpeg(), pdf_bytes()):
        assert accepts(accepted, sniff(content))


def test_office_documents_are_found_wherever_their_type_entry_lies():
    late = office(WORD, content_types_first=False)
    assert sniff(late[:8192]) == ZIP  # the head alone cannot tell
    assert sniff_file(io.BytesIO(late)) == DOCX


def test_documents_with_macros_are_refused():
    macros = office(WORD_WITH_MACROS)
    assert not accepts([DOCX], sniff(macros))
    assert not accepts(["*/*"], sniff_file(io.BytesIO(macros)))


def test_image_wildcards_take_images_but_never_svg():
    assert accepts(["image/*"], "image/png")
    assert accepts(["image/*"], "image/heic")
    assert not accepts(["image/*"], "application/pdf")
    assert not accepts(["image/*"], "image/svg+xml")


def test_html_is_refused_even_where_text_is_welcome():
    assert accepts(["text/plain"], sniff(b"Plain words"))
    assert accepts(["text/csv"], sniff(b"name,amount\nAda,3\n"))
    assert not accepts(["text/*"], sniff(b"<html><body>hi</body></html>"))


def test_heic_and_heif_stand_for_each_other():
    assert accepts(["image/heic"], "image/heif")
    assert accepts(["image/heif"], "image/heic")


def test_unknown_bytes_are_refused():
    assert not accepts([], None)
    assert not accepts(["*/*"], None)


def test_content_media_type_is_parsed_leniently():
    assert parse_accept("image/jpeg, image/png") == ["image/jpeg", "image/png"]
    assert parse_accept(" Image/JPG ;q=1,,image/jpeg, bogus, image/*") == [
        "image/jpeg", "image/*"]
    assert parse_accept(None) == parse_accept("") == []


@pytest.mark.parametrize(("given", "shown"), [
    ("C:\\fakepath\\photo.jpg", "photo.jpg"),
    ("../../etc/passwd", "passwd"),
    ("report\x00.pdf\r\n", "report.pdf"),
    (".htaccess", "htaccess"),
    ("", "upload"),
    (None, "upload"),
])
def test_file_names_are_only_ever_shown_and_made_safe_to_show(given, shown):
    assert safe_file_name(given) == shown


# Storage


class CountingStream(io.RawIOBase):
    """An endless upload that counts how much of it was read."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        size = len(buffer)
        buffer[:size] = b"x" * size
        self.read_bytes += size
        return size


def test_storage_keeps_bytes_under_a_random_name(tmp_path: Path):
    storage = LocalStorage(tmp_path / "uploads")
    stored = storage.put(io.BytesIO(png_bytes()), size_limit=1_000)
    assert (stored.size, len(stored.sha256)) == (len(png_bytes()), 64)
    assert storage.exists(stored.key)
    with storage.open(stored.key) as found:
        assert found.read() == png_bytes()
    files = [p for p in (tmp_path / "uploads").rglob("*") if p.is_file()]
    assert [p.name for p in files] == [stored.key]
    storage.delete(stored.key)
    storage.delete(stored.key)  # purges may run twice
    assert not storage.exists(stored.key)


def test_storage_refuses_oversize_without_reading_it_all(tmp_path: Path):
    storage = LocalStorage(tmp_path)
    endless = CountingStream()
    with pytest.raises(TooLarge, match="1,000,000 bytes"):
        storage.put(endless, size_limit=1_000_000)
    assert endless.read_bytes <= 1_000_001
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_a_file_exactly_at_the_limit_is_kept(tmp_path: Path):
    storage = LocalStorage(tmp_path)
    assert storage.put(io.BytesIO(b"x" * 100), size_limit=100).size == 100
    with pytest.raises(TooLarge):
        storage.put(io.BytesIO(b"x" * 101), size_limit=100)


@pytest.mark.parametrize("key", ["../secret", "a/b", "", "ABCDEF" * 6, "0" * 31])
def test_storage_keys_cannot_name_other_paths(tmp_path: Path, key: str):
    storage = LocalStorage(tmp_path)
    with pytest.raises(ValueError, match="not a storage key"):
        storage.open(key)


# Abandoned uploads


def test_only_abandoned_uploads_are_purged(db: Database, publish_form):
    version = publish_form()
    now = datetime(2030, 3, 1, tzinfo=UTC)
    long_ago, just_now = now - timedelta(days=20), now - timedelta(hours=2)

    def upload(session: Session, at: datetime, key: str, draft: int | None = None) -> str:
        attachment = Attachment(form_id="pothole-report", field="photo", file_name="a.jpg",
                                media_type="image/jpeg", size=1, sha256="0" * 64,
                                storage_key=key * 32, created_at=at, draft_id=draft)
        session.add(attachment)
        session.flush()
        return attachment.id

    with db.session() as session:
        # An upload belongs to the draft that uploaded it (attachments.draft_id), not to
        # whichever draft's answers name its id.
        live, _ = drafts.start_draft(session, version, "en", now=now - timedelta(days=25))
        old, _ = drafts.start_draft(session, version, "en", now=now - timedelta(days=40))
        abandoned = upload(session, long_ago, "a")
        in_live_draft = upload(session, long_ago, "b", live.id)
        in_expired_draft = upload(session, long_ago, "c", old.id)
        recent = upload(session, just_now, "d")
        submitted = upload(session, long_ago, "e")
        drafts.save_answers(session, live, {"photos": [{"file": in_live_draft}]}, 1,
                            now=now - timedelta(days=25))
        drafts.save_answers(session, old, {"photo": in_expired_draft}, 1,
                            now=now - timedelta(days=40))
        create_submission(session, version, {"location": "x", "photo": submitted},
                          language="en", idempotency_key="k", attachment_ids=[submitted])
    with db.session() as session:
        keys = drafts.purge_abandoned_uploads(session, now)
    assert sorted(keys) == ["a" * 32, "c" * 32]
    with db.session() as session:
        left = {a.id for a in session.scalars(select(Attachment))}
    assert left == {in_live_draft, recent, submitted}
    assert abandoned not in left
