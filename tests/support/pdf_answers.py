"""Filled-in submissions for the PDF tests: a resident's answers with real files behind them.

``plan_answers`` (resident.py) answers every question of a form; here each upload becomes a
stored file: an attachment id in the answers, its record (name, type, size, SHA-256) and its
bytes, photos drawn with Pillow so embedded images are real pictures, not single pixels.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageDraw
from resident import Upload, plan_answers

from renderers.pdf import AttachmentInfo
from schemas.model import Form


@dataclass
class Filled:
    answers: dict[str, Any]
    files: dict[str, AttachmentInfo]
    blobs: dict[str, bytes]

    def fetch(self, attachment_id: str) -> bytes | None:
        return self.blobs.get(attachment_id)


def photo(width: int = 320, height: int = 240, seed: int = 0, fmt: str = "PNG") -> bytes:
    """A small street-scene-like picture: sky, road, a dark patch, in colours set by ``seed``."""
    image = Image.new("RGB", (width, height), (120 + seed * 7 % 100, 170, 215))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, height // 2, width, height), fill=(90, 90, 95))
    draw.ellipse((width // 3, height * 2 // 3, width // 3 + width // 4, height * 5 // 6),
                 fill=(40 + seed % 50, 35, 30))
    draw.line((0, height * 3 // 4, width, height * 3 // 4), fill=(240, 220, 60), width=6)
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def filled(form: Form, **plan: Any) -> Filled:
    """``plan_answers(form)`` with every upload stored as a file of the submission."""
    result = Filled({}, {}, {})
    result.answers = _store(plan_answers(form, **plan), result)
    return result


def _store(value: Any, result: Filled) -> Any:
    if isinstance(value, Upload):
        number = len(result.files) + 1
        attachment_id = f"att_file{number:02d}"
        data = photo(seed=number) if value.media_type.startswith("image/") else value.data
        result.blobs[attachment_id] = data
        result.files[attachment_id] = AttachmentInfo(
            id=attachment_id, name=value.name, media_type=value.media_type, size=len(data),
            sha256=hashlib.sha256(data).hexdigest())
        return attachment_id
    if isinstance(value, Mapping):
        return {k: _store(v, result) for k, v in value.items()}
    if isinstance(value, list):
        return [_store(v, result) for v in value]
    return value
