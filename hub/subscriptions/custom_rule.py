"""Custom delivery rules: an RFC 5545 RRULE, parsed by python-dateutil, evaluated day by day. Pure.

dateutil parses and normalises the rule (its defaults: a WEEKLY rule without BYDAY delivers on the
start's weekday, a MONTHLY one on the start's day of the month). The dates are then decided one
day at a time with dateutil's own filters and interval rhythm, because dateutil's iterator looks
for the next occurrence without any bound: an impossible rule (``FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30``,
or ``FREQ=DAILY;INTERVAL=7;BYDAY=MO`` from a Tuesday) spins until the year 9999, about 30 s of CPU
per call. Evaluated here a query costs one check per day asked for, and a test compares the result
with dateutil's iterator on random feasible rules.

Supported parts: FREQ (DAILY, WEEKLY, MONTHLY, YEARLY), INTERVAL, COUNT, UNTIL (a local date),
BYDAY (with ordinals such as 1MO or -1FR for MONTHLY and YEARLY), BYMONTHDAY, BYMONTH, WKST.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from dateutil import rrule as _rrule

from hub.subscriptions.errors import InvalidDeliveryRule

SUPPORTED_PARTS = frozenset({"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH", "WKST"})
_EXAMPLE = "expected an RRULE such as 'FREQ=WEEKLY;BYDAY=MO,WE,FR'"


@dataclass(frozen=True)
class NormalizedRule:
    """The rule as dateutil understands it for one anchor (defaults filled in)."""

    freq: int
    interval: int
    wkst: int
    count: int | None
    until: date | None
    bymonth: frozenset[int]
    bymonthday: frozenset[int]
    bynmonthday: frozenset[int]
    byweekday: frozenset[int]
    bynweekday: frozenset[tuple[int, int]]


def check_syntax(rule: str) -> None:
    """Refuse what is not one supported RRULE line, with a message a store manager can act on."""
    text = rule.removeprefix("RRULE:").strip()
    if not text:
        raise InvalidDeliveryRule(f"a custom frequency needs an RRULE; {_EXAMPLE}")
    if "\n" in text or "DTSTART" in text.upper():
        raise InvalidDeliveryRule(f"delivery rule {rule!r}: one RRULE line only; it starts on the subscription's start")
    keys = [part.split("=", 1)[0].strip().upper() for part in text.split(";") if "=" in part]
    unknown = [key for key in keys if key not in SUPPORTED_PARTS]
    if unknown:
        supported = ", ".join(sorted(SUPPORTED_PARTS))
        named = ", ".join(unknown)
        raise InvalidDeliveryRule(f"delivery rule {rule!r}: {named} not supported (supported: {supported})")
    normalized(rule, date(2026, 1, 1))


@lru_cache(maxsize=1024)
def normalized(rule: str, anchor: date) -> NormalizedRule:
    text = rule.removeprefix("RRULE:").strip()
    try:
        parsed = _rrule.rrulestr(text, dtstart=datetime.combine(anchor, time(0)))
    except (ValueError, TypeError, KeyError) as exc:
        hint = "; UNTIL is a local date such as 20261231, without Z" if "UNTIL" in str(exc) else ""
        raise InvalidDeliveryRule(f"delivery rule {rule!r} is not valid ({exc}){hint}; {_EXAMPLE}") from exc
    if not isinstance(parsed, _rrule.rrule):
        raise InvalidDeliveryRule(f"delivery rule {rule!r}: {_EXAMPLE}")
    if parsed._freq > _rrule.DAILY:
        raise InvalidDeliveryRule(f"delivery rule {rule!r}: deliveries are daily at most (no HOURLY/MINUTELY/SECONDLY)")
    if parsed._bysetpos or parsed._byyearday or parsed._byweekno or parsed._byeaster:
        raise InvalidDeliveryRule(f"delivery rule {rule!r}: BYSETPOS, BYYEARDAY, BYWEEKNO, BYEASTER not supported")
    until = parsed._until
    return NormalizedRule(
        freq=int(parsed._freq),
        interval=int(parsed._interval),
        wkst=int(parsed._wkst),
        count=None if parsed._count is None else int(parsed._count),
        until=None if until is None else until.date(),
        bymonth=frozenset(parsed._bymonth or ()),
        bymonthday=frozenset(parsed._bymonthday or ()),
        bynmonthday=frozenset(parsed._bynmonthday or ()),
        byweekday=frozenset(parsed._byweekday or ()),
        bynweekday=frozenset(parsed._bynweekday or ()),
    )


def rule_dates(rule: str, anchor: date, first: date, last: date) -> list[date]:
    """The rule's dates in ``[first, last]`` (inclusive), counted from ``anchor`` for COUNT."""
    norm = normalized(rule, anchor)
    start = anchor if norm.count is not None else max(first, anchor)
    end = last if norm.until is None else min(last, norm.until)
    found: list[date] = []
    seen = 0
    for n in range((end - start).days + 1):
        day = start + timedelta(days=n)
        if not matches(norm, anchor, day):
            continue
        seen += 1
        if norm.count is not None and seen > norm.count:
            break
        if day >= first:
            found.append(day)
    return found


def matches(norm: NormalizedRule, anchor: date, day: date) -> bool:
    """dateutil's filters and its interval rhythm for one day on or after the anchor."""
    if norm.bymonth and day.month not in norm.bymonth:
        return False
    days_in_month = calendar.monthrange(day.year, day.month)[1]
    if (norm.bymonthday or norm.bynmonthday) and (
        day.day not in norm.bymonthday and day.day - days_in_month - 1 not in norm.bynmonthday
    ):
        return False
    if norm.byweekday and day.weekday() not in norm.byweekday:
        return False
    if norm.bynweekday and not _nth_weekday(norm, day, days_in_month):
        return False
    return _in_rhythm(norm, anchor, day)


def _nth_weekday(norm: NormalizedRule, day: date, days_in_month: int) -> bool:
    if norm.freq == _rrule.YEARLY and not norm.bymonth:
        period_start, period_end = date(day.year, 1, 1), date(day.year, 12, 31)
    else:
        period_start, period_end = day.replace(day=1), day.replace(day=days_in_month)
    for weekday, n in norm.bynweekday:
        if day.weekday() != weekday:
            continue
        position = (day - period_start).days // 7 + 1 if n > 0 else -((period_end - day).days // 7 + 1)
        if position == n:
            return True
    return False


def _in_rhythm(norm: NormalizedRule, anchor: date, day: date) -> bool:
    if norm.freq == _rrule.DAILY:
        return (day - anchor).days % norm.interval == 0
    if norm.freq == _rrule.WEEKLY:
        weeks = (_week_start(day, norm.wkst) - _week_start(anchor, norm.wkst)).days // 7
        return weeks % norm.interval == 0
    if norm.freq == _rrule.MONTHLY:
        return ((day.year - anchor.year) * 12 + day.month - anchor.month) % norm.interval == 0
    return (day.year - anchor.year) % norm.interval == 0


def _week_start(day: date, wkst: int) -> date:
    return day - timedelta(days=(day.weekday() - wkst) % 7)
