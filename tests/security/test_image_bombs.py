"""Attack 5: image bombs. A 12000×12000 PNG of 420 KB cost 19 s and 1.25 GB for every PDF
that showed it. Pictures over the pixel budget are refused at upload, in plain words, and the
PDF renderer never decodes one (a bomb stored before the budget existed is listed, not drawn).
"""

from __future__ import annotations

import hashlib
import io
import struct
import zlib

import pytest
from live_site import Live, make_dispatcher, sign_in
from pypdf import PdfReader
from sqlalchemy import select

from formbuilder.models import Attachment, Submission


def blank_png(width: int, height: int) -> bytes:
    """A valid black-and-white PNG: a few kilobytes on disk, ``width * height`` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + \
            struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    packer = zlib.compressobj(9)
    pixels = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + \
        chunk(b"IEND", b"")


@pytest.mark.parametrize("backend_db", ["sqlite"], indirect=True)
def test_a_picture_over_the_pixel_budget_is_refused_at_upload(live: Live) -> None:
    browser = live.browser()
    assert browser.submit_page("/forms/pothole-report/1", {"location": "Oak"}).status == 302
    reply = browser.submit_page("/forms/pothole-report/2", {"size": "small"},
                                files=[("photo", "pothole.png", blank_png(12000, 12000))])
    assert reply.status == 400
    assert "pixels" in reply.text  # said in words, next to the question
    with live.db.session(readonly=True) as session:
        assert session.scalars(select(Attachment)).all() == []
    ordinary = browser.submit_page("/forms/pothole-report/2", {"size": "small"},
                                   files=[("photo", "pothole.png", blank_png(4000, 3000))])
    assert ordinary.status == 302


def test_the_pdf_never_draws_a_stored_bomb(live: Live) -> None:
    make_dispatcher(live)
    reference = live.browser().send_pothole(photo=blank_png(64, 64))
    bomb = blank_png(7000, 7000)  # 49 million pixels, from before the budget existed
    storage = live.app.extensions["storage"]
    with live.db.session() as session:
        submission = session.scalars(select(Submission)).one()
        attachment = submission.attachments[0]
        stored = storage.put(io.BytesIO(bomb), size_limit=len(bomb) + 1)
        attachment.storage_key, attachment.size = stored.key, stored.size
        attachment.sha256 = hashlib.sha256(bomb).hexdigest()
    staff = live.browser()
    assert sign_in(staff).status == 302
    reply = staff.get(f"/staff/submissions/{reference}/pdf")
    assert reply.status == 200
    reader = PdfReader(io.BytesIO(reply.body))
    drawn = [(int(xobject["/Width"]), int(xobject["/Height"]))
             for page in reader.pages
             for xobject in [x.get_object() for x in
                             (page["/Resources"].get("/XObject") or {}).values()]
             if xobject.get("/Subtype") == "/Image"]
    assert (7000, 7000) not in drawn, drawn
    assert "pothole.png" in " ".join(page.extract_text() for page in reader.pages)
