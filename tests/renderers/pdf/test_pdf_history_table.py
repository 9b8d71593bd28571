"""The printed approval history keeps each value inside its column, in every language."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pdf_checks import write_pngs

from renderers.pdf import HistoryRow, render_submission
from schemas import load

POTHOLE = load(Path(__file__).parents[3] / "examples" / "pothole-report.yaml")
AT = datetime(2026, 5, 1, 14, 30, tzinfo=UTC)
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">')


def history() -> list[HistoryRow]:
    return [
        HistoryRow("submitted", "resident", AT),
        HistoryRow("returned", "maria-fernanda.rodriguez-villanueva@public-works.example.gov",
                   AT + timedelta(days=1), 0, "public-works-dispatch",
                   "Please add a photo that shows the whole pothole and the kerb next to it."),
        HistoryRow("resubmitted", "resident", AT + timedelta(days=2)),
        HistoryRow("approved", "supervisor.of.road.maintenance@public-works.example.gov",
                   AT + timedelta(days=3), 1, "public-works-supervisor", None),
    ]


def overlapping_words(pdf: bytes, tmp_path: Path) -> list[tuple[str, str]]:
    """Pairs of words printed over each other on one line (pdftotext's word boxes)."""
    source = tmp_path / "history.pdf"
    source.write_bytes(pdf)
    boxes = subprocess.run(["pdftotext", "-bbox", str(source), "-"], check=True,
                           capture_output=True, text=True, timeout=60).stdout
    pages = boxes.split("<page ")[1:]
    found = []
    for page in pages:
        words = [(float(a), float(b), float(c), float(d), text)
                 for a, b, c, d, text in re.findall(WORD.pattern + r"([^<]*)</word>", page)]
        for one in words:
            for other in words:
                if one is other or one[0] >= other[0]:
                    continue
                same_line = min(one[3], other[3]) - max(one[1], other[1]) > 2
                if same_line and other[0] < one[2] - 0.5:
                    found.append((one[4], other[4]))
    return found


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler's pdftotext")
@pytest.mark.parametrize("lang", ["en", "es"])
def test_history_columns_never_overlap(lang, tmp_path):
    pdf = render_submission(POTHOLE, {"location": "Main St", "size": "large",
                                      "lanes_blocked": True, "email": "ana@example.org"},
                            lang=lang, reference="PW-2026-000123", submitted_at=AT,
                            version_number=1, city_name="City of Example", history=history())
    write_pngs(pdf, f"history-table-{lang}")
    assert overlapping_words(pdf, tmp_path) == []
