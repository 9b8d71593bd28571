"""Keeping a resume link's token out of the jobs table's plain sight.

Drafts are stored by a hash of their token so that a leaked database opens nobody's form; an
email job that held the token in clear would undo that. The job's payload holds it sealed
with the app's secret key instead: an HMAC-SHA256 keystream XORed with the token (a fresh
nonce each time) plus an HMAC tag, so it is unreadable and tamper-evident without the key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

NONCE_BYTES = 16
TAG_BYTES = 16


def seal(secret_key: str, text: str) -> str:
    data = text.encode()
    nonce = secrets.token_bytes(NONCE_BYTES)
    body = bytes(a ^ b for a, b in zip(data, _stream(secret_key, nonce, len(data)), strict=True))
    tag = _tag(secret_key, nonce + body)
    return base64.urlsafe_b64encode(nonce + body + tag).decode("ascii")


def unseal(secret_key: str, sealed: str) -> str | None:
    """The text, or ``None`` when it was sealed with another key or altered."""
    try:
        raw = base64.urlsafe_b64decode(sealed.encode("ascii"))
    except (ValueError, UnicodeError):
        return None
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        return None
    nonce, body, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    if not hmac.compare_digest(tag, _tag(secret_key, nonce + body)):
        return None
    data = bytes(a ^ b for a, b in zip(body, _stream(secret_key, nonce, len(body)), strict=True))
    return data.decode("utf-8", "replace")


def _key(secret_key: str, purpose: bytes) -> bytes:
    return hmac.new(secret_key.encode(), b"formbuilder.mail.sealed:" + purpose,
                    hashlib.sha256).digest()


def _stream(secret_key: str, nonce: bytes, length: int) -> bytes:
    key = _key(secret_key, b"stream")
    blocks = (hmac.new(key, nonce + counter.to_bytes(4, "big"), hashlib.sha256).digest()
              for counter in range((length + 31) // 32))
    return b"".join(blocks)[:length]


def _tag(secret_key: str, data: bytes) -> bytes:
    return hmac.new(_key(secret_key, b"tag"), data, hashlib.sha256).digest()[:TAG_BYTES]
