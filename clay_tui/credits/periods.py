"""Billing-period arithmetic: renewals fall on the anchor's day of the month (or of the year)."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime


def add_months(anchor: date, months: int) -> date:
    """``anchor`` moved by ``months``, the day clamped to the month (31 Jan + 1 -> 28/29 Feb)."""
    index = anchor.year * 12 + (anchor.month - 1) + months
    year, month = divmod(index, 12)
    day = min(anchor.day, calendar.monthrange(year, month + 1)[1])
    return date(year, month + 1, day)


def months_per_period(billing: str) -> int:
    return 12 if billing == "annual" else 1


def period_start(anchor: date, billing: str, index: int) -> date:
    """Start of period ``index`` counted from ``anchor`` (index may be negative)."""
    return add_months(anchor, index * months_per_period(billing))


def midnight(day: date) -> datetime:
    """Periods turn at midnight UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def period_index_at(anchor: date, billing: str, now: datetime) -> int:
    """The index of the period that contains ``now``."""
    step = months_per_period(billing)
    today = now.astimezone(UTC).date()
    guess = ((today.year - anchor.year) * 12 + today.month - anchor.month) // step
    # Clamped days make the guess off by at most one either way.
    while period_start(anchor, billing, guess) > today:
        guess -= 1
    while period_start(anchor, billing, guess + 1) <= today:
        guess += 1
    return guess
