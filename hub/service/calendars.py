"""A store's service calendar as stored (``service_sla_policies``) and as the SLA clocks use it.

A store without a row runs its clocks 24x7 (every minute counts) until a manager sets its hours.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session

from hub.kernel.holidays import PublicHolidays
from hub.kernel.opening_hours import CalendarError, OpeningHours, Shift
from hub.service.errors import InvalidServiceRule
from hub.service.sla_policy import ALWAYS_OPEN, BusinessCalendar, CalendarKind, SlaPolicy, standard_policy
from hub.service.tables import ServiceSlaPolicy


def _time(text: str) -> time:
    if text == "24:00":
        return time(0)
    try:
        return time.fromisoformat(text)
    except ValueError as exc:
        raise InvalidServiceRule(f"{text!r} is not a time of day (HH:MM)") from exc


def shifts_of(spans: Sequence[Sequence[str]]) -> tuple[Shift, ...]:
    return tuple(Shift(_time(start), _time(end)) for start, end in spans)


class RememberedHours(OpeningHours):
    """``OpeningHours`` that remembers each day's shifts (a public-holiday look-up is slow), for the
    life of one request or job run."""

    def shifts_on(self, day: date) -> Sequence[Shift]:
        known: dict[date, Sequence[Shift]] = self.__dict__.setdefault("_known_days", {})
        if day not in known:
            known[day] = super().shifts_on(day)
        return known[day]


def opening_hours(row: ServiceSlaPolicy) -> OpeningHours:
    """The stored hours as ``OpeningHours``; ``InvalidServiceRule`` when they cannot work."""
    weekly: Mapping[str, Any] = row.weekly
    try:
        return RememberedHours(
            zone=row.zone,
            weekly={int(day): shifts_of(spans) for day, spans in weekly.items()},
            holidays=PublicHolidays() if row.public_holidays else None,
            holiday_shifts=shifts_of(row.holiday_shifts),
            closed_dates=frozenset(date.fromisoformat(d) for d in row.closed_dates),
        )
    except CalendarError as exc:
        raise InvalidServiceRule(f"these opening hours cannot work: {exc}") from exc


class StoreCalendar:
    """A store's opening hours for the clocks; a deadline the hours never reach is a refusal, not a crash."""

    def __init__(self, hours: OpeningHours) -> None:
        self.hours = hours

    def open_time_between(self, start: datetime, end: datetime) -> timedelta:
        return self.hours.open_time_between(start, end)

    def add_open_time(self, start: datetime, duration: timedelta) -> datetime:
        try:
            return self.hours.add_open_time(start, duration)
        except CalendarError as exc:
            raise InvalidServiceRule(f"the store's service calendar never reaches this deadline: {exc}") from exc


def calendar_of(row: ServiceSlaPolicy | None) -> BusinessCalendar:
    if row is None or row.calendar == CalendarKind.ALWAYS:
        return ALWAYS_OPEN
    return StoreCalendar(opening_hours(row))


class Calendars:
    """The calendars of the stores one request or job touches, each loaded once."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._found: dict[str | None, BusinessCalendar] = {}
        self.policy: SlaPolicy = standard_policy()

    def of(self, store_id: str | None) -> BusinessCalendar:
        if store_id not in self._found:
            row = self._session.get(ServiceSlaPolicy, store_id) if store_id is not None else None
            self._found[store_id] = calendar_of(row)
        return self._found[store_id]
