"""The city's time zone (``FORMBUILDER_TIME_ZONE``): times are stored in UTC and shown in it.

Every place that shows a time to a person (pages, emails, PDFs, exports) turns it into the
city's local time here and names the zone, so "09:00" is never ambiguous for a clerk who
phones a resident. Pure: no Flask, no database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT = "UTC"


@cache
def zone(name: str | None) -> ZoneInfo:
    """The named IANA zone; a clear error for a name that is not one (checked at start-up)."""
    try:
        return ZoneInfo(name or DEFAULT)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"FORMBUILDER_TIME_ZONE={name!r} is not a time zone; use a name like "
                         "America/Chicago or Europe/Madrid (the IANA names).") from error


def local(moment: datetime, name: str | None) -> datetime:
    """``moment`` as a wall-clock time in the zone (naive input is taken as UTC)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone(name))


def abbreviation(moment: datetime, name: str | None) -> str:
    """The zone's short name at that moment (CST, CDT, UTC), else its IANA name: a numeric
    "-03" names nothing a reader recognises."""
    short = local(moment, name).tzname() or ""
    return short if short and short[0] not in "+-" else (name or DEFAULT)


def shown(moment: datetime | None, name: str | None) -> str:
    """``2030-03-01 03:00 CST``: a time on a page or in an email, with its zone named."""
    if moment is None:
        return ""
    return f"{local(moment, name).strftime('%Y-%m-%d %H:%M')} {abbreviation(moment, name)}"
