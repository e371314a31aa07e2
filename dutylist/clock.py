"""Today's date where the users are, and counting working days: one place, so tests set the clock.

Dates people see and deadlines are days in the configured zone (TIMEZONE, Asia/Shanghai by default:
dutylist.timefmt), not UTC: a deadline "passes" at midnight in Beijing. Tests call `set_today()` to
move the clock (the database keeps its own time; nothing here reads it).
"""
from __future__ import annotations

from datetime import date, timedelta

from . import timefmt

_today: date | None = None  #: set by tests; None: the real date


def today() -> date:
    """The date in the configured zone (or the date a test set)."""
    return _today if _today is not None else timefmt.today()


def set_today(day: date | None) -> None:
    """Move the clock to a day (None: back to the real date). For tests and demonstrations."""
    global _today
    _today = day


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days (Monday to Friday) after `start`. Public holidays are not known
    here: a deadline that falls on one is extended by the office (with a reason) when needed."""
    day, left = start, days
    while left > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day
