"""The ``format`` checks forms rely on, with no network and no optional dependencies.

jsonschema's own checkers depend on which extras happen to be installed (``email`` only looks
for an ``@``; ``uri`` needs ``rfc3987``), so the same form could accept an answer on one server
and refuse it on another. These are written out once, in the standard library, and tuned for
what browsers actually post: ``<input type=datetime-local>`` sends ``2026-03-27T14:30`` with no
seconds and no zone, which strict RFC 3339 would refuse.
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from datetime import date
from urllib.parse import urlsplit

from jsonschema import FormatChecker

from schemas import emails
from schemas.patterns import pattern_problem

# Answers to these are references to stored attachments, not the files: never checked here.
ATTACHMENT_FORMATS = ("file", "data-url")
# Schemes whose addresses name a server (``https://host/...``), as opposed to ``mailto:``.
_NETWORK_SCHEMES = frozenset({"http", "https", "ftp", "ftps", "ws", "wss", "sftp", "ssh"})

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_TIME = re.compile(
    r"^(?:[01]\d|2[0-3]):[0-5]\d(?::(?:[0-5]\d|60)(?:\.\d+)?)?"
    r"(?:[Zz]|[+-](?:[01]\d|2[0-3]):[0-5]\d)?$"
)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*$")
_TEL_CHARACTERS = re.compile(r"^\+?[0-9 ().\-]+$")
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")

format_checker = FormatChecker(formats=())


@format_checker.checks("email")
@format_checker.checks("idn-email")
def is_email(value: object) -> bool:
    """The one email check (``schemas.emails``): the address must be one mail can reach."""
    if not isinstance(value, str):
        return True
    return emails.is_email(value)


@format_checker.checks("date")
def is_date(value: object) -> bool:
    """``YYYY-MM-DD`` and a day the calendar has (no 2026-02-30)."""
    if not isinstance(value, str):
        return True
    return _real_date(value)


@format_checker.checks("time")
def is_time(value: object) -> bool:
    """``HH:MM`` or ``HH:MM:SS`` (as time inputs post), with an optional zone."""
    if not isinstance(value, str):
        return True
    return bool(_TIME.match(value))


@format_checker.checks("date-time")
def is_date_time(value: object) -> bool:
    """RFC 3339, also without seconds or zone, as ``<input type=datetime-local>`` posts it."""
    if not isinstance(value, str):
        return True
    day, separator, clock = value[:10], value[10:11], value[11:]
    return separator in ("T", "t", " ") and _real_date(day) and bool(_TIME.match(clock))


@format_checker.checks("uri")
def is_uri(value: object) -> bool:
    """An absolute address: a scheme, and a server for ``https:`` and the like."""
    if not isinstance(value, str):
        return True
    if not value or _SPACE_OR_CONTROL.search(value):
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return False
    if not _SCHEME.match(parts.scheme):
        return False
    scheme = parts.scheme.lower()
    if scheme in _NETWORK_SCHEMES:
        return bool(parts.hostname)
    if scheme == "mailto":
        return is_email(parts.path)
    return bool(parts.netloc or parts.path)


@format_checker.checks("tel")
def is_tel(value: object) -> bool:
    """Digits with the spaces, dots, dashes and brackets people type; 7 to 15 digits
    (15 is the longest international number, E.164)."""
    if not isinstance(value, str):
        return True
    if not _TEL_CHARACTERS.match(value.strip()):
        return False
    digits = sum(character.isdigit() for character in value)
    return 7 <= digits <= 15


@format_checker.checks("ipv4")
def is_ipv4(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        return isinstance(ipaddress.ip_address(value), ipaddress.IPv4Address)
    except ValueError:
        return False


@format_checker.checks("ipv6")
def is_ipv6(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        return isinstance(ipaddress.ip_address(value), ipaddress.IPv6Address)
    except ValueError:
        return False


@format_checker.checks("uuid")
def is_uuid(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


@format_checker.checks("regex")
def is_regex(value: object) -> bool:
    """A pattern formbuilder can run (on RE2, see ``schemas.patterns``)."""
    if not isinstance(value, str):
        return True
    return pattern_problem(value) is None


@format_checker.checks("file")
@format_checker.checks("data-url")
def is_attachment(value: object) -> bool:
    """Always true: the file itself was checked when it was uploaded (``upload_errors``)."""
    return True


def _real_date(text: str) -> bool:
    match = _DATE.match(text)
    if not match:
        return False
    year, month, day = (int(part) for part in match.groups())
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True
