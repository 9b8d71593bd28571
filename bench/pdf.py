"""Submission PDFs: the engine's time against WeasyPrint alone on the same HTML, PDFs per
second with one and two processes, and the peak memory of a long submission with photos.

"WeasyPrint alone" is ``HTML(string=...).write_pdf()`` on the HTML the engine builds, with the
same fetcher (it needs the stylesheet and the photos); the engine adds building that HTML from
the form, PDF/A-3b, tags and the answers attached as JSON. A second baseline passes WeasyPrint
the same archival options, so the ratio against it is the engine's own work.
"""

from __future__ import annotations

import io
import os
import resource
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw
from weasyprint import HTML

import schemas
from renderers.pdf import AttachmentInfo, SafeFetcher, render_submission, submission_html
from renderers.pdf.document import PDF_VARIANT

_EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "pothole-report.yaml"
SUBMITTED = datetime(2026, 5, 1, 14, 30, tzinfo=UTC)
PARAGRAPH = ("The crack runs from the bus stop to the corner and gets wider after every rain. "
             "Cyclists swerve into the lane to avoid it, and a neighbour fell there last week.")


def pothole() -> tuple[schemas.Form, dict[str, Any]]:
    form = schemas.load(_EXAMPLE)
    answers = {"location": "120 Oak Street", "size": "large", "lanes_blocked": True,
               "email": "ana.garcia@example.org", "name": "Ana García"}
    return form, answers


def long_submission(pages: int = 14, photos: int = 10) -> tuple[schemas.Form, dict[str, Any],
                                                                dict[str, AttachmentInfo],
                                                                dict[str, bytes]]:
    """A form of ``pages`` pages of questions filled with paragraphs, and ``photos`` photos."""
    properties: dict[str, Any] = {}
    ui_pages = []
    answers: dict[str, Any] = {}
    files: dict[str, AttachmentInfo] = {}
    blobs: dict[str, bytes] = {}
    for page in range(pages):
        names = []
        for number in range(6):
            name = f"p{page}_q{number}"
            properties[name] = {"type": "string", "maxLength": 4000,
                                "title": f"Question {number + 1} of part {page + 1}"}
            answers[name] = " ".join([PARAGRAPH] * 3)
            names.append(name)
        if page < photos:
            name = f"p{page}_photo"
            properties[name] = {"type": "string", "format": "file", "title": "Photo"}
            data = _photo(page)
            key = f"att_photo{page:02d}"
            blobs[key] = data
            files[key] = AttachmentInfo(key, f"photo-{page}.jpg", "image/jpeg", len(data),
                                        "0" * 64)
            answers[name] = key
            names.append(name)
        ui_pages.append({"title": f"Part {page + 1}", "fields": names})
    form = schemas.load_definition({"id": "long-report", "title": "A long report",
                                    "department": "Public Works",
                                    "schema": {"type": "object", "properties": properties},
                                    "ui": {"pages": ui_pages}})
    return form, answers, files, blobs


def _photo(seed: int) -> bytes:
    image = Image.new("RGB", (1600, 1200), (110 + seed * 9 % 120, 160, 210))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 600, 1600, 1200), fill=(85, 85, 90))
    draw.ellipse((500 + seed * 20, 800, 900 + seed * 20, 1000), fill=(40, 35, 30))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def _ours(form: schemas.Form, answers: dict[str, Any], files: dict[str, AttachmentInfo],
          blobs: dict[str, bytes]) -> bytes:
    return render_submission(form, answers, lang="en", reference="PW-2026-000123",
                             submitted_at=SUBMITTED, version_number=1,
                             city_name="City of Example", attachments=files,
                             fetch_attachment=blobs.get)


def _html(form: schemas.Form, answers: dict[str, Any], files: dict[str, AttachmentInfo]) -> str:
    return submission_html(form, answers, lang="en", reference="PW-2026-000123",
                           submitted_at=SUBMITTED, version_number=1, city_name="City of Example",
                           attachments=files)


def _best(action: Callable[[], object], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


def _one_pothole(_: int) -> int:
    form, answers = pothole()
    return len(_ours(form, answers, {}, {}))


def _throughput(workers: int, count: int) -> float:
    context = get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        list(pool.map(_one_pothole, range(workers)))  # warm each worker up
        start = time.perf_counter()
        list(pool.map(_one_pothole, range(count)))
        return count / (time.perf_counter() - start)


def _peak_memory(photos: int) -> tuple[float, float, int, int]:
    """(MB before, MB peak, pages, bytes) in a fresh process."""
    from pypdf import PdfReader

    form, answers, files, blobs = long_submission(photos=photos)
    with open("/proc/self/statm") as statm:  # resident pages now, not the peak so far
        before = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    pdf = _ours(form, answers, files, blobs)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return before, peak, len(PdfReader(io.BytesIO(pdf)).pages), len(pdf)


def run(quick: bool) -> Iterator[str]:
    rounds = 2 if quick else 5
    yield f"pdf: one pothole report, best of {rounds}"
    form, answers = pothole()
    _ours(form, answers, {}, {})  # fonts, templates and caches warm
    html = _html(form, answers, {})
    ours = _best(lambda: _ours(form, answers, {}, {}), rounds)
    plain = _best(lambda: HTML(string=html, base_url="asset:",
                               url_fetcher=SafeFetcher()).write_pdf(), rounds)
    same = _best(lambda: HTML(string=html, base_url="asset:", url_fetcher=SafeFetcher())
                 .write_pdf(pdf_variant=PDF_VARIANT, pdf_tags=True), rounds)
    yield f"  WeasyPrint alone, same HTML       {plain * 1000:8.1f} ms"
    yield f"  WeasyPrint, same HTML + PDF/A+tags {same * 1000:7.1f} ms"
    yield f"  formbuilder render_submission     {ours * 1000:8.1f} ms"
    yield f"  overhead: WeasyPrint alone / ours = {plain / ours:.2f} (ours is {ours / plain:.2f}x)"
    yield (f"  engine work: same options / ours = {same / ours:.2f} "
           f"(ours is {ours / same:.2f}x)")

    count = 6 if quick else 24
    one = _throughput(1, count)
    two = _throughput(2, count)
    yield f"  PDFs per second: 1 process {one:.1f}, 2 processes {two:.1f} ({two / one:.2f}x, "\
          f"{os.cpu_count()} CPUs)"

    photos = 3 if quick else 10
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        before, peak, pages, size = pool.submit(_peak_memory, photos).result()
    yield (f"pdf: a {pages}-page submission with {photos} photos (1600x1200 JPEG): "
           f"peak memory {peak:.0f} MB ({before:.0f} MB before drawing), {size / 1e6:.1f} MB PDF")
