"""The building permit's PDF ends each step with its "For office use" box, as the paper form
did: what the inspector entered (the current values, corrections included), a blank line to
write on where nothing was entered yet, and the computed fee (issue 15)."""

from __future__ import annotations

from datetime import UTC, datetime

from example_forms import example
from pdf_checks import pages_text, squeezed

from renderers.pdf import render_submission

FORM = example("building-permit")
INSPECTION = next(i for i, step in enumerate(FORM.routing) if step.key == "Inspection")


def test_the_office_use_box_prints_each_steps_values() -> None:
    pdf = render_submission(
        FORM, {"valuation": 20000}, lang="en", reference="BLD-2026-000009",
        submitted_at=datetime(2026, 5, 1, 9, tzinfo=UTC), version_number=1,
        city_name="City of Example",
        office={INSPECTION: {"inspection_date": "2026-05-06", "result": "fail",
                             "conditions": "Footing <too> shallow"}})
    text = squeezed(" ".join(pages_text(pdf)))
    for printed in ("For office use", "Inspection Date inspected May 6, 2026 Result fail",
                    "Footing <too> shallow", "Re-inspection Date inspected again Result",
                    "Permit fee (dollars) 275", "Re-inspection fee (dollars) 95"):
        assert squeezed(printed) in text, printed
