"""The one media-type policy for uploads: what a form's ``contentMediaType`` means, which
spellings are the same type, and which types are never accepted.

The form language (``schemas.validation``: the messages residents read) and the app's upload
check (``formbuilder.files.uploads``: the type read from a file's bytes) both use this table,
so they cannot drift apart. Extend it here: a type added to :data:`NEVER` is refused by both.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Never accepted, not even by ``*/*``: they run code when opened (programs, scripts, Office
# macros; browsers run the scripts in web pages, SVG and XML).
EXECUTABLE = "application/x-executable"
WINDOWS_PROGRAM = "application/x-msdownload"
SCRIPT = "text/x-script"
HTML = "text/html"
SVG = "image/svg+xml"
XML = "application/xml"
JAVASCRIPT = "text/javascript"
MACRO_DOCUMENT = "application/vnd.ms-office.macroenabled"
NEVER = frozenset({EXECUTABLE, WINDOWS_PROGRAM, SCRIPT, HTML, SVG, XML, JAVASCRIPT,
                   "application/javascript", MACRO_DOCUMENT})

# Other spellings of a type, as browsers, phones and form authors write them.
ALIASES = {
    "image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/x-png": "image/png",
    "image/tif": "image/tiff", "image/heic-sequence": "image/heic",
    "image/heif-sequence": "image/heif", "application/x-pdf": "application/pdf",
}
# Types a file cannot be told apart by from its bytes: accepting one accepts the other.
SAME_FILES = (frozenset({"text/csv", "text/plain"}), frozenset({"image/heic", "image/heif"}))

_MEDIA_TYPE = re.compile(r"[a-z0-9.+-]+/(?:[a-z0-9.+-]+|\*)|\*/\*")


def normalise(media_type: str) -> str:
    """Lower case, parameters dropped, aliases resolved: ``Image/JPG; q=1`` -> ``image/jpeg``."""
    plain = media_type.split(";")[0].strip().lower()
    return ALIASES.get(plain, plain)


def parse_accept(content_media_type: str | None) -> list[str]:
    """FORMAT.md's comma-separated ``contentMediaType`` (``image/jpeg, image/png``) as a list
    of normalised types, each once; an empty list means the form does not restrict the type."""
    accepted: list[str] = []
    for part in (content_media_type or "").split(","):
        media_type = normalise(part)
        if _MEDIA_TYPE.fullmatch(media_type) and media_type not in accepted:
            accepted.append(media_type)
    return accepted


def accepted_type(accepted: Sequence[str], media_type: str | None) -> bool:
    """Whether a file of ``media_type`` (as sniffed from its bytes) may be uploaded where
    ``accepted`` types are allowed; no list means any type but the ones that run code.
    A file of unknown type is refused, and ``image/*`` never means SVG."""
    media_type = normalise(media_type or "")
    if not media_type or media_type in NEVER:
        return False
    if not accepted:
        return True
    for pattern in map(normalise, accepted):
        if pattern in ("*/*", media_type) or {pattern, media_type} in SAME_FILES:
            return True
        if pattern.endswith("/*") and media_type.startswith(pattern[:-1]):
            return True
    return False
