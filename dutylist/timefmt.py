"""Times shown to people, in the configured zone (TIMEZONE, default Asia/Shanghai).

The database keeps naive UTC (models.base.utcnow). Everything a person reads — the pages, through the
Jinja filters `localtime` and `localdate` that init_app registers, and the exported documents — goes
through this module, so that one setting decides the zone everywhere. Plain functions: no Flask needed
(the zone comes from the app's config when there is an app, else from the environment).
"""
from __future__ import annotations

import os
from datetime import UTC, date, datetime, time, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TIMEZONE = "Asia/Shanghai"
#: How a zone is named on a page; other zones are named by their offset (UTC+06:00).
ZONE_NAMES = {"Asia/Shanghai": "北京时间", "Asia/Chongqing": "北京时间", "PRC": "北京时间",
              "Asia/Urumqi": "新疆时间", "UTC": "协调世界时（UTC）", "Etc/UTC": "协调世界时（UTC）"}
DATETIME_FORMAT = "%Y-%m-%d %H:%M"
DATE_FORMAT = "%Y-%m-%d"


@lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)  # ZoneInfoNotFoundError (a KeyError) for an unknown name


def check_zone(name: str) -> str:
    """The name if it is a zone this machine knows; ValueError naming it otherwise (config time)."""
    try:
        _zone(name)
    except (KeyError, ValueError) as exc:
        raise ValueError(f"TIMEZONE: unknown time zone {name!r}") from exc
    return name


def zone_name() -> str:
    """The configured zone's name: the app's TIMEZONE, else the environment's, else Asia/Shanghai."""
    if has_app_context() and current_app.config.get("TIMEZONE"):
        return current_app.config["TIMEZONE"]
    return os.environ.get("TIMEZONE") or DEFAULT_TIMEZONE


def zone(name: str | None = None) -> tzinfo:
    return _zone(name or zone_name())


def to_local(value: datetime, tz: tzinfo | None = None) -> datetime:
    """An aware datetime in the zone; a naive value is taken as UTC (how the database keeps them)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(tz or zone())


def localtime(value, fmt: str = DATETIME_FORMAT, tz: tzinfo | None = None) -> str:
    """'2026-11-30 17:13' for a stored (UTC) datetime; a plain date as it is; '' for None."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return to_local(value, tz).strftime(fmt)
    if isinstance(value, date):
        return value.strftime(DATE_FORMAT)
    return str(value)


def localdate(value, tz: tzinfo | None = None) -> date | None:
    """The calendar day of a stored (UTC) datetime in the zone; a date is already a day."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return to_local(value, tz).date()
    return value


def format_date(value, tz: tzinfo | None = None) -> str:
    """'2026-12-01': the local day of a datetime, or a date as it is; '' for None."""
    day = localdate(value, tz) if not isinstance(value, str) else value
    return day.strftime(DATE_FORMAT) if isinstance(day, date) else (day or "")


def isotime(value, tz: tzinfo | None = None) -> str:
    """ISO 8601 with the zone's offset (for <time datetime> and exports): 2026-11-30T17:13:05+08:00."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return to_local(value, tz).isoformat(timespec="seconds")
    return value.isoformat()


def end_of_day_utc(day: date, tz: tzinfo | None = None) -> datetime:
    """The last moment of a calendar day in the zone, as naive UTC (how the database keeps times)."""
    local = datetime.combine(day, time.max).replace(tzinfo=tz or zone())
    return local.astimezone(UTC).replace(tzinfo=None)


def now(tz: tzinfo | None = None) -> datetime:
    """Now, aware, in the zone."""
    return datetime.now(tz or zone())


def today(tz: tzinfo | None = None) -> date:
    """Today's date in the zone (not the server's)."""
    return now(tz).date()


def zone_label(name: str | None = None) -> str:
    """How pages name the zone: 北京时间 for Asia/Shanghai, else the offset now, e.g. UTC+06:00."""
    name = name or zone_name()
    if name in ZONE_NAMES:
        return ZONE_NAMES[name]
    offset = now(zone(name)).strftime("%z")  # +0600
    return f"UTC{offset[:3]}:{offset[3:]}"


def zone_note(name: str | None = None) -> str:
    """The footer's sentence: 页面中的时间均为北京时间（Asia/Shanghai，UTC+08:00）."""
    name = name or zone_name()
    offset = now(zone(name)).strftime("%z")
    return f"页面中的时间均为{zone_label(name)}（{name}，UTC{offset[:3]}:{offset[3:]}）"


def init_app(app) -> None:
    """The Jinja filters every template uses for times, and the zone's name for labels."""
    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.filters["localdate"] = format_date
    app.jinja_env.filters["isotime"] = isotime
    app.jinja_env.globals["time_zone_label"] = zone_label
    app.jinja_env.globals["time_zone_note"] = zone_note
    app.jinja_env.globals["local_today"] = today
