"""How often a subscription delivers: a rule that turns an anchor date into delivery dates. Pure.

The anchor is the subscription's start date: "every other day" counts from it, and a custom RRULE
starts there (an RRULE may therefore not carry its own DTSTART). Dates are calendar dates in the
store's zone; ranges are inclusive of both ends. Public holidays are not handled here (see
``holiday_policy``), except by ``WORKING_DAYS``, which follows the official calendar: it delivers on
make-up working Saturdays and Sundays (调休) and not on the weekdays of a public holiday.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from hub.kernel.holidays import PublicHolidays
from hub.subscriptions.custom_rule import check_syntax, rule_dates
from hub.subscriptions.errors import InvalidDeliveryRule
from hub.subscriptions.holiday_policy import is_workday

RULE_CHECK_DAYS = 366
"""A custom rule must deliver at least once within this many days of its anchor."""

_WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class FrequencyKind(StrEnum):
    DAILY = "daily"
    EVERY_OTHER_DAY = "every_other_day"
    """Anchored at the start date: start, start + 2, start + 4, ... (a pause does not re-anchor it)."""
    WEEKDAYS = "weekdays"
    """Monday to Friday by the week alone."""
    WORKING_DAYS = "working_days"
    """Working days per the official calendar: make-up weekend days included, holidays excluded."""
    CHOSEN_WEEKDAYS = "chosen_weekdays"
    CUSTOM = "custom"
    """An RFC 5545 RRULE (python-dateutil), e.g. ``FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH`` (see ``custom_rule``)."""


@dataclass(frozen=True)
class Frequency:
    kind: FrequencyKind
    weekdays: frozenset[int] = field(default_factory=frozenset)
    """For ``CHOSEN_WEEKDAYS``: 0 = Monday ... 6 = Sunday."""
    rule: str | None = None
    """For ``CUSTOM``: the RRULE text (validated on construction)."""

    def __post_init__(self) -> None:
        if self.kind is FrequencyKind.CHOSEN_WEEKDAYS:
            if not self.weekdays or any(not 0 <= d <= 6 for d in self.weekdays):
                raise InvalidDeliveryRule("chosen weekdays must be a non-empty set of 0 (Monday) to 6 (Sunday)")
        elif self.weekdays:
            raise InvalidDeliveryRule(f"weekdays apply only to chosen_weekdays, not to {self.kind}")
        if self.kind is FrequencyKind.CUSTOM:
            check_syntax(self.rule or "")
            if not self.delivers_within(date(2026, 1, 1), RULE_CHECK_DAYS, PublicHolidays()):
                raise InvalidDeliveryRule(f"delivery rule {self.rule!r} never delivers within a year of its start")
        elif self.rule is not None:
            raise InvalidDeliveryRule(f"an RRULE applies only to custom frequencies, not to {self.kind}")

    @classmethod
    def daily(cls) -> Frequency:
        return cls(FrequencyKind.DAILY)

    @classmethod
    def every_other_day(cls) -> Frequency:
        return cls(FrequencyKind.EVERY_OTHER_DAY)

    @classmethod
    def weekdays_only(cls) -> Frequency:
        return cls(FrequencyKind.WEEKDAYS)

    @classmethod
    def working_days(cls) -> Frequency:
        return cls(FrequencyKind.WORKING_DAYS)

    @classmethod
    def on_weekdays(cls, *days: int) -> Frequency:
        return cls(FrequencyKind.CHOSEN_WEEKDAYS, weekdays=frozenset(days))

    @classmethod
    def custom(cls, rule: str) -> Frequency:
        return cls(FrequencyKind.CUSTOM, rule=rule.strip())

    def describe(self) -> str:
        if self.kind is FrequencyKind.CHOSEN_WEEKDAYS:
            return "on " + ", ".join(_WEEKDAY_NAMES[d] for d in sorted(self.weekdays))
        if self.kind is FrequencyKind.CUSTOM:
            return f"custom rule {self.rule}"
        return str(self.kind).replace("_", " ")

    def dates(self, anchor: date, first: date, last: date, calendar: PublicHolidays) -> list[date]:
        """Delivery dates in ``[first, last]`` (both inclusive), never before the anchor."""
        first = max(first, anchor)
        if last < first:
            return []
        if self.kind is FrequencyKind.CUSTOM:
            assert self.rule is not None
            return rule_dates(self.rule, anchor, first, last)
        days = (first + timedelta(days=n) for n in range((last - first).days + 1))
        return [d for d in days if self._on(anchor, d, calendar)]

    def occurs_on(self, anchor: date, day: date, calendar: PublicHolidays) -> bool:
        return bool(self.dates(anchor, day, day, calendar))

    def delivers_within(self, anchor: date, days: int, calendar: PublicHolidays) -> bool:
        """Whether the rule delivers at least once in the ``days`` days from ``anchor``."""
        return bool(self.dates(anchor, anchor, anchor + timedelta(days=days - 1), calendar))

    def _on(self, anchor: date, day: date, calendar: PublicHolidays) -> bool:
        kind = self.kind
        if kind is FrequencyKind.DAILY:
            return True
        if kind is FrequencyKind.EVERY_OTHER_DAY:
            return (day - anchor).days % 2 == 0
        if kind is FrequencyKind.WEEKDAYS:
            return day.weekday() < 5
        if kind is FrequencyKind.WORKING_DAYS:
            return is_workday(calendar, day)
        return day.weekday() in self.weekdays
