"""Dormant and birthday are counted in the store's local days (Asia/Shanghai, UTC+8), not UTC days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from hub.crm.config import CrmConfig, save_config
from hub.crm.profile_tables import CustomerProfile
from hub.crm.stats_tables import CustomerStats
from hub.kernel.business_days import birthday_on, local_today, not_since
from hub.marketing.rule_runner import run_rule
from hub.marketing.tables import Coupon, MarketingRule
from tests.hub.crm.builders import TZ, World, utc

pytestmark = pytest.mark.integration
STATS = CustomerStats.__table__  # type: ignore[attr-defined]
COUPONS = Coupon.__table__  # type: ignore[attr-defined]
RULES = MarketingRule.__table__  # type: ignore[attr-defined]

# 2025-06-29 16:30 UTC is already 30 June, 00:30 in Shanghai.
NOW = utc(2025, 6, 29, 16, 30)
JUST_BEFORE_LOCAL_MIDNIGHT = utc(2025, 5, 31, 15, 59)  # 31 May 23:59 in Shanghai (31 May in UTC)
JUST_AFTER_LOCAL_MIDNIGHT = utc(2025, 5, 31, 16, 1)  # 1 June 00:01 in Shanghai (still 31 May in UTC)


def test_local_day_arithmetic() -> None:
    assert local_today(NOW, TZ) == date(2025, 6, 30)
    assert local_today(NOW, "UTC") == date(2025, 6, 29)
    threshold = not_since(NOW, TZ, 30)  # the start of 1 June in Shanghai
    assert threshold == utc(2025, 5, 31, 16, 0)
    assert JUST_BEFORE_LOCAL_MIDNIGHT < threshold <= JUST_AFTER_LOCAL_MIDNIGHT
    assert birthday_on(date(2025, 2, 28), 2, 29)
    assert not birthday_on(date(2024, 2, 28), 2, 29)
    assert birthday_on(date(2024, 2, 29), 2, 29)


def _enable(world: World, rule_id: str, **params: object) -> None:
    with world.db.engine.begin() as conn:
        row = conn.execute(select(RULES.c.params).where(RULES.c.id == rule_id)).scalar_one()
        conn.execute(update(RULES).where(RULES.c.id == rule_id).values(enabled=True, params={**row, **params}))


def _granted(world: World, rule_id: str) -> set[str]:
    return {r.customer_id for r in world.rows(select(COUPONS.c.customer_id).where(COUPONS.c.rule_id == rule_id))}


def test_dormant_and_win_back_count_shanghai_days(world: World) -> None:
    store = world.store(timezone=TZ)
    with world.db.session() as session:
        save_config(session, CrmConfig(dormant_days=30, churned_days=90))
        session.commit()
    before = world.customer(phone="+8613811110001", store_id=store)
    after = world.customer(phone="+8613811110002", store_id=store)
    world.order(before, store, JUST_BEFORE_LOCAL_MIDNIGHT)
    world.order(after, store, JUST_AFTER_LOCAL_MIDNIGHT)

    world.recompute(NOW)
    states = {r.customer_id: r.lifecycle for r in world.rows(select(STATS.c.customer_id, STATS.c.lifecycle))}
    assert states == {before: "dormant", after: "new"}, "30 local days for one, 29 for the other"

    _enable(world, "win-back", days=30)
    run_rule(world.db, "win-back", now=NOW, default_tz=TZ)
    assert _granted(world, "win-back") == {before}
    run_rule(world.db, "win-back", now=NOW + timedelta(hours=23), default_tz=TZ)
    assert _granted(world, "win-back") == {before}, "23:30 on 30 June: still 29 days"
    run_rule(world.db, "win-back", now=NOW + timedelta(hours=24), default_tz=TZ)
    assert _granted(world, "win-back") == {before, after}, "00:30 on 1 July: 30 days for both"
    assert world.count(COUPONS, COUPONS.c.rule_id == "win-back") == 2


def test_birthday_is_the_local_date(world: World) -> None:
    store = world.store(timezone=TZ)
    july_first, june_thirtieth, leap = (world.customer(phone=f"+8613922220{i:03d}", store_id=store) for i in range(3))
    with world.db.session() as session:
        session.add(CustomerProfile(customer_id=july_first, birth_month=7, birth_day=1))
        session.add(CustomerProfile(customer_id=june_thirtieth, birth_year=1990, birth_month=6, birth_day=30))
        session.add(CustomerProfile(customer_id=leap, birth_year=2000, birth_month=2, birth_day=29))
        session.commit()
    world.recompute(NOW)
    _enable(world, "birthday")

    # 29 June 23:30 in Shanghai (15:30 UTC): nobody yet; 30 June 00:30 (16:30 UTC the same UTC day): June 30th
    run_rule(world.db, "birthday", now=utc(2025, 6, 29, 15, 30), default_tz=TZ)
    assert _granted(world, "birthday") == set()
    run_rule(world.db, "birthday", now=utc(2025, 6, 29, 16, 30), default_tz=TZ)
    assert _granted(world, "birthday") == {june_thirtieth}
    run_rule(world.db, "birthday", now=utc(2025, 6, 30, 16, 30), default_tz=TZ)  # 1 July in Shanghai
    assert _granted(world, "birthday") == {june_thirtieth, july_first}
    run_rule(world.db, "birthday", now=utc(2025, 6, 30, 20, 0), default_tz=TZ)  # again the same day
    assert world.count(COUPONS, COUPONS.c.rule_id == "birthday") == 2

    # 29 February birthdays are celebrated on 28 February in a common year
    run_rule(world.db, "birthday", now=utc(2026, 2, 27, 16, 5), default_tz=TZ)
    assert leap in _granted(world, "birthday")
