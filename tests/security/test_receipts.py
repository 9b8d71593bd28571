"""Attack 9: a late receipt leaked staff work. The receipt's PDF was drawn when the email job
ran, so a receipt delayed past a decision carried the staff member's comment and address. A
receipt shows the submission as it was when it was sent."""

from __future__ import annotations

import io

from live_site import DISPATCH, Live, decide, make_dispatcher, sign_in
from pypdf import PdfReader

NOTE = "Crew seven booked, call the depot on extension 4411"


def test_a_delayed_receipt_shows_the_submission_as_sent(live: Live) -> None:
    make_dispatcher(live)
    reference = live.browser().send_pothole()
    staff = live.browser()
    assert sign_in(staff).status == 302
    decide(staff, reference, "approve", NOTE)  # before the receipt job has run
    live.run_jobs()
    receipts = [m for m in live.mail() if reference in str(m["Subject"])
                and "received" in str(m["Subject"]).lower()]
    assert len(receipts) == 1
    pdfs = [part.get_content() for part in receipts[0].iter_attachments()
            if part.get_content_type() == "application/pdf"]
    assert pdfs
    reader = PdfReader(io.BytesIO(pdfs[0]))
    shown = " ".join(page.extract_text() for page in reader.pages)
    assert reference in shown
    assert DISPATCH not in shown
    assert "extension 4411" not in shown
    assert "pprove" not in shown.replace("\n", " ")
