"""Reading PDFs back for the tests: their text, their pages as PNGs for people to look at."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

from pypdf import PdfReader

ARTIFACTS = Path(__file__).parents[3] / "artifacts" / "pdf"


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def squeezed(text: str) -> str:
    """Text without any whitespace: lines wrap anywhere, so words are compared unbroken."""
    return re.sub(r"\s+", "", text)


def write_pngs(pdf: bytes, name: str) -> list[Path]:
    """The PDF and its pages as PNGs under ``artifacts/pdf/`` (gitignored), for review."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / f"{name}.pdf"
    target.write_bytes(pdf)
    pages = re.compile(re.escape(name) + r"-[0-9]+\.png")
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        if pages.fullmatch(old.name):
            old.unlink()
    if shutil.which("pdftoppm") is None:
        return []
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(target), str(ARTIFACTS / name)],
                   check=True, timeout=60)
    return sorted(p for p in ARTIFACTS.glob(f"{name}-*.png") if pages.fullmatch(p.name))
