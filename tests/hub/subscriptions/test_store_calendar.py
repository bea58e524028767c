"""The cut-off: after it tomorrow is frozen; business dates are the store's, not UTC's."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from hub.subscriptions.errors import DateFrozen, InvalidChange
from hub.subscriptions.store_calendar import StoreCalendar, business_date_frozen, first_changeable_date
from tests.hub.subscriptions.samples import STORE


def utc(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def test_before_the_cutoff_tomorrow_still_changes() -> None:
    now = utc(2026, 2, 13, 11, 59)  # 19:59 in Shanghai
    assert STORE.first_changeable(now) == date(2026, 2, 14)
    assert STORE.generation_date(now) == date(2026, 2, 13)
    assert not business_date_frozen(date(2026, 2, 14), now=now, store_zone="Asia/Shanghai", cutoff=time(20))


def test_from_the_cutoff_on_tomorrow_is_frozen() -> None:
    now = utc(2026, 2, 13, 12, 0)  # 20:00 in Shanghai
    assert STORE.generation_date(now) == date(2026, 2, 14)
    assert business_date_frozen(date(2026, 2, 14), now=now, store_zone="Asia/Shanghai", cutoff=time(20))
    assert first_changeable_date(now, "Asia/Shanghai", time(20)) == date(2026, 2, 15)
    with pytest.raises(DateFrozen) as caught:
        STORE.check_changeable(date(2026, 2, 14), now, "pause")
    assert "first date a pause can still take effect is 2026-02-15" in caught.value.detail
    assert caught.value.extra == {"first_changeable": "2026-02-15"}
    assert caught.value.status == 409


def test_just_after_midnight_utc_it_is_morning_in_shanghai() -> None:
    now = utc(2026, 2, 14, 0, 10)  # 08:10 on the make-up Saturday in Shanghai
    assert STORE.local_date(now) == date(2026, 2, 14)
    assert STORE.generation_date(now) == date(2026, 2, 14)
    assert STORE.first_changeable(now) == date(2026, 2, 15)


def test_a_run_delayed_past_shanghai_midnight_generates_the_day_just_begun() -> None:
    now = utc(2026, 2, 13, 16, 30)  # still the 13th in UTC; 00:30 on the 14th in Shanghai
    assert STORE.generation_date(now) == date(2026, 2, 14)
    assert STORE.is_frozen(date(2026, 2, 14), now)
    assert not STORE.is_frozen(date(2026, 2, 15), now)


def test_the_stores_zone_decides() -> None:
    berlin = StoreCalendar("Europe/Berlin", time(20))
    now = utc(2026, 2, 13, 12, 0)  # 20:00 Shanghai, 13:00 Berlin
    assert STORE.generation_date(now) == date(2026, 2, 14)
    assert berlin.generation_date(now) == date(2026, 2, 13)


def test_naive_instants_and_unknown_zones_are_refused() -> None:
    with pytest.raises(InvalidChange, match="timezone-aware"):
        STORE.first_changeable(datetime(2026, 2, 13, 12))
    with pytest.raises(InvalidChange, match="unknown time zone"):
        StoreCalendar("Mars/Olympus")
