"""The only way WeasyPrint may reach anything while it draws a PDF.

WeasyPrint resolves every ``src``, ``href`` and CSS ``url()`` it meets through its url
fetcher. The default one opens ``file://`` and ``http(s)://`` addresses, which would let text
that ever slipped into the markup read the server's files or reach its network. This fetcher
answers only:

- ``asset:<name>``: a file of this package's ``static`` folder (the stylesheet), by plain name;
- ``attachment:<id>``: a stored file of the submission, through the caller's callback, and
  only when it is an image WeasyPrint can embed;
- ``data:image/...``: an inline image.

Everything else is refused (and recorded in ``refused``), so a hostile answer fetches nothing.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import warnings
from collections.abc import Callable
from importlib import resources
from urllib.parse import unquote_to_bytes

from weasyprint.urls import URLFetcher, URLFetcherResponse

ASSET = "asset:"
ATTACHMENT = "attachment:"
IMAGE_TYPES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}
_ASSET_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*\.(css)$")
_ATTACHMENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_DATA_IMAGE = re.compile(r"^data:(image/(?:png|jpeg|gif))(;base64)?,", re.IGNORECASE)
MAX_DATA_URL = 10 * 1024 * 1024
# The most pixels of one picture WeasyPrint is given to decode: a 12000x12000 PNG of 420 KB
# once cost 19 s and 1.25 GB per PDF. A larger picture is left out; its caption stays.
MAX_PIXELS = 40_000_000

FetchAttachment = Callable[[str], bytes | None]


class RefusedURL(ValueError):
    """WeasyPrint asked for something this fetcher never serves; the element is left out."""


def image_type(data: bytes) -> str | None:
    """The media type of image bytes WeasyPrint can embed, judged by content, not by name."""
    for magic, media_type in IMAGE_TYPES.items():
        if data.startswith(magic):
            return media_type
    return None


def pixels(data: bytes) -> int | None:
    """How many pixels the picture has, read from its header without decoding it; ``None``
    when Pillow cannot read the header (WeasyPrint could not draw it either)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                return width * height
    except Image.DecompressionBombError:
        return MAX_PIXELS + 1
    except (UnidentifiedImageError, OSError, ValueError):
        return None


def _printable(body: bytes | None, what: str) -> str:
    """The media type of an image small enough to draw, else :class:`RefusedURL`."""
    media_type = image_type(body) if body else None
    if media_type is None or body is None:
        raise RefusedURL(f"{what} is not an image that can be printed")
    count = pixels(body)
    if count is None or count > MAX_PIXELS:
        raise RefusedURL(f"{what} has too many pixels to print ({count or 'unknown'})")
    return media_type


class SafeFetcher(URLFetcher):
    """A url fetcher for one document; ``requested`` lists every URL it was asked for."""

    def __init__(self, fetch_attachment: FetchAttachment | None = None) -> None:
        super().__init__(timeout=1, allowed_protocols=(), allow_redirects=False)
        self._fetch_attachment = fetch_attachment
        self.requested: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        self.requested.append(url)
        try:
            return self._answer(url)
        except RefusedURL:
            self.refused.append(url)
            raise

    def _answer(self, url: str) -> URLFetcherResponse:
        if url.startswith(ASSET):
            return self._asset(url[len(ASSET):])
        if url.startswith(ATTACHMENT):
            return self._attachment(url[len(ATTACHMENT):])
        if _DATA_IMAGE.match(url):
            return self._data(url)
        raise RefusedURL(f"{url[:80]!r} is not something a formbuilder PDF may fetch")

    def _asset(self, name: str) -> URLFetcherResponse:
        if not _ASSET_NAME.match(name):
            raise RefusedURL(f"{name[:80]!r} is not an asset of the PDF renderer")
        try:
            body = resources.files("renderers.pdf").joinpath("static", name).read_bytes()
        except (FileNotFoundError, IsADirectoryError) as error:
            raise RefusedURL(f"the PDF renderer has no asset {name!r}") from error
        return URLFetcherResponse(ASSET + name, body, {"Content-Type": "text/css; charset=utf-8"})

    def _attachment(self, attachment_id: str) -> URLFetcherResponse:
        if self._fetch_attachment is None or not _ATTACHMENT_ID.match(attachment_id):
            raise RefusedURL(f"{attachment_id[:80]!r} is not an attachment of this submission")
        body = self._fetch_attachment(attachment_id)
        media_type = _printable(body, f"attachment {attachment_id!r}")
        assert body is not None
        return URLFetcherResponse(ATTACHMENT + attachment_id, body, {"Content-Type": media_type})

    def _data(self, url: str) -> URLFetcherResponse:
        if len(url) > MAX_DATA_URL:
            raise RefusedURL("the inline image is too large to print")
        header, _, payload = url.partition(",")
        try:
            body = base64.b64decode(payload, validate=True) if header.lower().endswith(
                ";base64") else unquote_to_bytes(payload)
        except (binascii.Error, ValueError) as error:
            raise RefusedURL("the inline image is not valid base64") from error
        media_type = _printable(body, "the inline image")
        return URLFetcherResponse("data:", body, {"Content-Type": media_type})
