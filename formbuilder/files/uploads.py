"""What an uploaded file really is, told by its bytes; never by its name or the browser's say.

A file named ``invoice.pdf`` may be a Windows program. ``sniff`` reads the first bytes (and, for
Office documents, which are zip archives, the archive's content types entry), ``accepts`` says
whether that type is one the form's ``contentMediaType`` allows. Programs, scripts and web pages
are refused whatever a form allows, because staff open these files on city computers.
"""

from __future__ import annotations

import codecs
import re
import struct
import unicodedata
import warnings
import zipfile
import zlib
from typing import BinaryIO

# The one policy table (shared with the form's messages; extend it there): what the sniffer
# reports for files that are never accepted, and how a form's accepted types are read.
from schemas.media_types import (
    EXECUTABLE,
    HTML,
    MACRO_DOCUMENT,
    SCRIPT,
    SVG,
    XML,
    accepted_type,
)
from schemas.media_types import parse_accept as parse_accept

HEAD_SIZE = 8192
# The most of one archive member that is ever decompressed to find a document's type.
_MEMBER_LIMIT = 256 * 1024

JPEG, PNG, GIF, WEBP, TIFF = "image/jpeg", "image/png", "image/gif", "image/webp", "image/tiff"
HEIC, HEIF, AVIF = "image/heic", "image/heif", "image/avif"
PDF, TEXT, ZIP = "application/pdf", "text/plain", "application/zip"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"

# ISO base media ``ftyp`` brands (HEIF family) and what they are.
_BRANDS = {
    b"heic": HEIC, b"heix": HEIC, b"heim": HEIC, b"heis": HEIC, b"hevc": HEIC, b"hevx": HEIC,
    b"mif1": HEIF, b"msf1": HEIF, b"heif": HEIF, b"avif": AVIF, b"avis": AVIF,
}
# OOXML main parts, as named in ``[Content_Types].xml``.
_OOXML = {
    b"wordprocessingml.document.main+xml": DOCX,
    b"spreadsheetml.sheet.main+xml": XLSX,
    b"presentationml.presentation.main+xml": PPTX,
    b"macroenabled": MACRO_DOCUMENT,
}
_EXECUTABLE_MAGIC = (
    b"MZ",  # Windows (PE) and DOS programs
    b"\x7fELF",  # Linux and most Unix programs
    b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",  # Mach-O
    b"\xca\xfe\xba\xbe",  # Mach-O universal binary (and Java classes)
    b"\x00asm",  # WebAssembly
)
_MARKUP = re.compile(rb"^\s*<(?:!doctype\s+html|html|head|body|script|svg|\?xml)", re.I)


def sniff(head: bytes) -> str | None:
    """The media type of a file from its first bytes (``HEAD_SIZE`` is enough), or ``None``.

    Plain text is recognised (UTF-8 without control characters) because cities do ask for
    lists and letters as text. A zip archive whose type entry lies beyond ``head`` is only
    ``application/zip`` here; :func:`sniff_file` reads the archive's directory to tell more.
    """
    if head.startswith(_EXECUTABLE_MAGIC):
        return EXECUTABLE
    if head.startswith(b"#!"):
        return SCRIPT
    for magic, media_type in (
        (b"\xff\xd8\xff", JPEG), (b"\x89PNG\r\n\x1a\n", PNG), (b"GIF87a", GIF),
        (b"GIF89a", GIF), (b"%PDF-", PDF), (b"II*\x00", TIFF), (b"MM\x00*", TIFF),
    ):
        if head.startswith(magic):
            return media_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[4:8] == b"ftyp":
        return _iso_brand(head)
    if head.startswith(b"PK\x03\x04"):
        return _zip_head(head) or ZIP
    return _text(head)


def sniff_file(stream: BinaryIO) -> str | None:
    """Like :func:`sniff`, for a whole seekable file; Office documents are read by their
    archive directory, wherever the content types entry lies."""
    stream.seek(0)
    found = sniff(stream.read(HEAD_SIZE))
    if found == ZIP:
        stream.seek(0)
        found = _zip_directory(stream) or ZIP
    stream.seek(0)
    return found


def accepts(accepted: list[str], sniffed: str | None) -> bool:
    """Whether a file of type ``sniffed`` may be uploaded where ``accepted`` types are allowed.

    The policy (``image/*`` never means SVG; a file of unknown type or one that runs code is
    always refused) is the form language's own, shared with the validation messages.
    """
    return accepted_type(accepted, sniffed)


def safe_file_name(name: str | None, fallback: str = "upload") -> str:
    """A file name fit to show and to offer in a download: no folders, no control characters.

    Browsers may send a full path (``C:\\fakepath\\photo.jpg``); only the last part is kept. The
    name is only ever shown, never used to store the file.
    """
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(c for c in unicodedata.normalize("NFC", base)
                   if unicodedata.category(c)[0] != "C").strip().lstrip(".")
    return base[:255] or fallback


def _iso_brand(head: bytes) -> str | None:
    """HEIC, HEIF and AVIF by the major brand, else by the first known compatible brand."""
    size = struct.unpack(">I", head[:4])[0]
    if size < 16:
        return _BRANDS.get(head[8:12])
    brands = [head[8:12]] + [head[i:i + 4] for i in range(16, min(size, len(head)), 4)]
    return next((_BRANDS[b] for b in brands if b in _BRANDS), None)


def _zip_head(head: bytes) -> str | None:
    """Walk the archive's first members within ``head``, looking for the entries that say
    what an OpenDocument (``mimetype``) or an Office Open XML file (``[Content_Types].xml``)
    is."""
    offset = 0
    while head[offset:offset + 4] == b"PK\x03\x04" and offset + 30 <= len(head):
        (flags, method, compressed, name_length, extra_length) = struct.unpack(
            "<2xHH8xI4xHH", head[offset + 4:offset + 30])
        name = head[offset + 30:offset + 30 + name_length]
        start = offset + 30 + name_length + extra_length
        if flags & 0x08 or start + compressed > len(head):
            return None  # sizes come after the data, or the member runs past the head
        data = _inflate(head[start:start + compressed], method)
        if data is not None and (found := _member_type(name.decode("cp437"), data)):
            return found
        offset = start + compressed
    return None


def _zip_directory(stream: BinaryIO) -> str | None:
    try:
        with zipfile.ZipFile(stream) as archive:
            for name in ("mimetype", "[Content_Types].xml"):
                try:
                    with archive.open(name) as member:
                        found = _member_type(name, member.read(_MEMBER_LIMIT))
                except KeyError:
                    continue
                if found:
                    return found
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, zlib.error):
        return None
    return None


def _member_type(name: str, data: bytes) -> str | None:
    if name == "mimetype":
        declared = data.strip().decode("ascii", "replace")
        return declared if declared.startswith("application/vnd.oasis.opendocument.") else None
    if name == "[Content_Types].xml":
        lowered = data.lower()
        return next((t for marker, t in _OOXML.items() if marker in lowered), None)
    return None


def _inflate(data: bytes, method: int) -> bytes | None:
    if method == 0:
        return data
    if method != 8:
        return None
    try:
        return zlib.decompressobj(-zlib.MAX_WBITS).decompress(data, _MEMBER_LIMIT)
    except zlib.error:
        return None


def _text(head: bytes) -> str | None:
    """UTF-8 text without control characters (a character cut off by the head is fine);
    web pages, SVG and XML are text too, but are named so that they are refused."""
    if not head:
        return None
    body = head.removeprefix(b"\xef\xbb\xbf")
    if markup := _MARKUP.match(body):
        opening = markup.group(0).lower()
        if b"svg" in opening or b"<svg" in body[:1024].lower():
            return SVG
        return XML if opening.endswith(b"?xml") else HTML
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(body, final=False)
    except UnicodeDecodeError:
        return None
    if any(unicodedata.category(c) == "Cc" and c not in "\t\n\r\f" for c in text):
        return None
    return TEXT


# --- What the bytes and the name say together --------------------------------------------------

# Names Windows or a browser runs or renders when a file is opened, whatever its bytes are.
RUNNABLE_EXTENSIONS = frozenset({
    "bat", "cmd", "com", "cpl", "exe", "dll", "msi", "msp", "scr", "pif", "lnk", "reg", "inf",
    "hta", "htm", "html", "xhtml", "mht", "mhtml", "shtml", "svg", "svgz", "xml", "xsl", "js",
    "jse", "mjs", "vbs", "vbe", "wsf", "wsh", "ws", "ps1", "psm1", "psd1", "sh", "bash", "zsh",
    "csh", "command", "py", "pyw", "pl", "rb", "php", "jar", "jnlp", "app", "url", "desktop",
    "appref-ms", "application", "gadget", "msc", "library-ms", "settingcontent-ms",
})
# Markup a browser would run if a "PDF" or "text" file were ever shown as a web page.
_HIDDEN_MARKUP = re.compile(rb"<\s*(?:script|html|body|iframe|svg|object|embed|hta:application"
                            rb"|meta\s+http-equiv|!doctype\s+html)\b", re.I)
EXTENSIONS = {
    JPEG: "jpg", PNG: "png", GIF: "gif", WEBP: "webp", TIFF: "tif", HEIC: "heic", HEIF: "heif",
    AVIF: "avif", PDF: "pdf", TEXT: "txt", ZIP: "zip", DOCX: "docx", XLSX: "xlsx",
    PPTX: "pptx", ODT: "odt", ODS: "ods",
}
IMAGES = frozenset({JPEG, PNG, GIF, WEBP, TIFF})
TOO_MANY_PIXELS = 2**62


def judge(stream: BinaryIO, file_name: str) -> str | None:
    """The type an upload is taken to be: :func:`sniff_file`'s, made stricter by two things a
    form that declares no type must not let through.

    A PDF or text file whose first bytes hold web-page markup is a web page in disguise
    (``%PDF-`` then ``<html><script>``): it is judged HTML. Text named like a script or a
    program (``.bat``, ``.hta``, ``.js``) is judged a script, because the name is what makes
    Windows run it. Both are then refused by the one policy (``accepts``).
    """
    found = sniff_file(stream)
    if found in (PDF, TEXT):
        head = stream.read(HEAD_SIZE)
        stream.seek(0)
        if _HIDDEN_MARKUP.search(head):
            return HTML
    extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if found == TEXT and extension in RUNNABLE_EXTENSIONS:
        return SCRIPT
    return found


def download_name(file_name: str, media_type: str) -> str:
    """The name to offer a download under: the resident's, with the extension of what the
    file is. ``invoice.html`` holding a PDF is offered as ``invoice.pdf``, so no name can make
    a staff computer open a file as something it is not."""
    stem = file_name.rsplit(".", 1)[0] if "." in file_name.lstrip(".") else file_name
    return f"{stem or 'upload'}.{EXTENSIONS.get(media_type, 'bin')}"


def image_pixels(stream: BinaryIO) -> int | None:
    """How many pixels an image has, read from its header alone (nothing is decoded), or
    ``None`` when the bytes are not an image Pillow can read. Pillow's own bomb limit
    (hundreds of millions of pixels) counts as too many, not as unreadable."""
    from PIL import Image, UnidentifiedImageError

    stream.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(stream) as image:
                width, height = image.size
                return width * height
    except Image.DecompressionBombError:
        return TOO_MANY_PIXELS
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    finally:
        stream.seek(0)
