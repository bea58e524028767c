"""Scoring at a past moment ("as of 30 June 1998"): the recompute's clock and which orders count. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from hub.errors import InvalidInput
from hub.kernel.business_days import day_start, zone

EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)


class BadAsOf(ValueError):
    """Not a day (YYYY-MM-DD) or a timestamp (ISO 8601)."""


@dataclass(frozen=True)
class AsOf:
    moment: datetime
    """The recompute's "now": the instant given, or the last instant of the day given (hub's zone)."""
    day: date | None = None
    """Given as a day: an order counts when it was placed on that day or before, in its store's zone."""

    @classmethod
    def of_day(cls, day: date, tz: str) -> AsOf:
        return cls(day_start(day + timedelta(days=1), tz) - timedelta(microseconds=1), day)

    @classmethod
    def parse(cls, text: str, tz: str) -> AsOf:
        """``1998-06-30`` (the end of that day) or ``1998-06-30T18:00`` (read in ``tz`` without a zone)."""
        raw = text.strip()
        try:
            day: date | None = date.fromisoformat(raw)
        except ValueError:
            day = None
        try:
            moment = datetime.fromisoformat(raw) if day is None else datetime.combine(day, time(12))
        except ValueError as exc:
            raise BadAsOf(f"not a day (YYYY-MM-DD) or a timestamp (ISO 8601): {text!r}") from exc
        if not EARLIEST <= moment.date() <= LATEST:
            raise BadAsOf(f"{text!r} is out of range ({EARLIEST} to {LATEST})")
        if day is not None:
            return cls.of_day(day, tz)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone(tz))
        return cls(moment.astimezone(UTC))

    def label(self) -> str:
        return self.day.isoformat() if self.day is not None else self.moment.isoformat()


def parse_as_of(text: str | None, tz: str) -> AsOf | None:
    """For the API: None stays None; a bad value is a 422 with the reason."""
    if text is None:
        return None
    try:
        return AsOf.parse(text, tz)
    except BadAsOf as exc:
        raise InvalidInput(str(exc)) from exc
