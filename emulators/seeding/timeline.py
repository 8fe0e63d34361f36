"""The seed's calendar: fixed instants, random instants drawn around them, and both systems' date forms.

Nothing here reads the wall clock, so the same scale always produces the same timestamps. Every seeded
instant lies between :data:`BASE_DATE` and a few weeks after :data:`LAST_SYNC`, i.e. in the past of any
write the emulators make later with their own clock.
"""

from __future__ import annotations

import datetime as dt
import random

BASE_DATE = dt.datetime(2026, 1, 1)
"""Naive UTC, like the store's columns: the company's records start being created here."""

LAST_SYNC = dt.datetime(2026, 6, 1)
"""The previous integration run. Records changed after it are what an incremental run must pick up."""

SEED_HORIZON = dt.datetime(2026, 7, 2)
"""Every seeded instant lies before this (the emulators' own writes come later, from the wall clock)."""

FIRST_WEEK = dt.datetime(2026, 1, 5)
"""Monday of the first timesheet week."""

TIMESHEET_WEEKS = 25
"""Weeks of time tracking: 2026-01-05 up to the week starting 2026-06-22."""

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def instant_between(rng: random.Random, start: dt.datetime, end: dt.datetime) -> dt.datetime:
    """A whole-second instant in ``[start, end)`` (whole seconds keep both date forms exact)."""
    span = int((end - start).total_seconds())
    return start + dt.timedelta(seconds=rng.randrange(max(span, 1)))


def duration_between(rng: random.Random, low: dt.timedelta, high: dt.timedelta) -> dt.timedelta:
    """A whole-second duration in ``[low, high)``."""
    span = int((high - low).total_seconds())
    return low + dt.timedelta(seconds=rng.randrange(max(span, 1)))


def before_last_sync(rng: random.Random) -> dt.datetime:
    """A creation instant for records that existed well before the last sync (January to April)."""
    return instant_between(rng, BASE_DATE, BASE_DATE + 120 * DAY)


def after_last_sync(rng: random.Random, floor: dt.datetime | None = None) -> dt.datetime:
    """An instant in the month after the last sync, and after ``floor`` when given.

    Chains of later records (a new customer, its new project, that project's new task) squeeze into
    the same month, so every seeded instant stays before :data:`SEED_HORIZON`.
    """
    start = LAST_SYNC + HOUR
    if floor is not None and floor >= start:
        start = floor + HOUR
    end = max(LAST_SYNC + 30 * DAY, start + HOUR)
    return instant_between(rng, start, end)


def ns_datetime(value: dt.datetime) -> dt.datetime:
    """A NetSuite ``xsd:dateTime`` in document form: an aware UTC datetime (docs/CONTRACTS.md)."""
    return value.replace(tzinfo=dt.UTC)


def spp_date(value: dt.date) -> str:
    """A date-only SPP field (``date``, ``starts``, ``ends``) in the same flattened form, at midnight."""
    return f"{value:%Y-%m-%d} 00:00:00"


def spp_number(value: float) -> str:
    """A quantity as the integration's import writes it to SPP: ``16``, ``7.5``."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))
