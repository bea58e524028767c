"""Automation rules: the day-after thank-you, late-delivery compensation, audience, cool-down and what each did."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlmodel import Session

from hub.crm.profile import set_consent
from hub.marketing.rule_runner import run_rule
from hub.marketing.rule_service import rule_stats
from hub.marketing.tables import Coupon, MarketingRule, RuleAction
from hub.notifications.tables import Notification
from tests.hub.crm.builders import TZ, World, utc

pytestmark = pytest.mark.integration
COUPONS = Coupon.__table__  # type: ignore[attr-defined]
RULES = MarketingRule.__table__  # type: ignore[attr-defined]
ACTIONS = RuleAction.__table__  # type: ignore[attr-defined]
NOTES = Notification.__table__  # type: ignore[attr-defined]
NOW = utc(2025, 6, 30, 4, 0)  # noon, 30 June, in Shanghai
WINBACK_90 = {"days": 20, "max_days": 90}  # the seed stops at 60 days; vip is 70 days quiet by the third run


def _enable(world: World, rule_id: str, **values: object) -> None:
    with world.db.engine.begin() as conn:
        conn.execute(update(RULES).where(RULES.c.id == rule_id).values(enabled=True, **values))


def _coupons(world: World, rule_id: str) -> list[str]:
    return sorted(r.customer_id for r in world.rows(select(COUPONS.c.customer_id).where(COUPONS.c.rule_id == rule_id)))


def test_thank_you_coupon_the_day_after_the_first_order(world: World) -> None:
    store = world.store()
    today, yesterday, returning = (world.customer(phone=f"+8613500000{i:03d}", store_id=store) for i in range(3))
    world.order(today, store, NOW - timedelta(hours=1))
    world.order(yesterday, store, NOW - timedelta(days=1))
    world.order(returning, store, NOW - timedelta(days=60))
    world.order(returning, store, NOW - timedelta(days=1))
    world.recompute(NOW)
    _enable(world, "first-order-thanks")
    run_rule(world.db, "first-order-thanks", now=NOW, default_tz=TZ)
    assert _coupons(world, "first-order-thanks") == [yesterday]
    run_rule(world.db, "first-order-thanks", now=NOW + timedelta(days=1), default_tz=TZ)
    assert _coupons(world, "first-order-thanks") == sorted([yesterday, today]), "once each, the next local day"
    run_rule(world.db, "first-order-thanks", now=NOW + timedelta(days=2), default_tz=TZ)
    assert len(_coupons(world, "first-order-thanks")) == 2


def test_late_delivery_compensation_once_per_order(world: World) -> None:
    store = world.store()
    customer = world.customer(phone="+8613500001000", store_id=store)
    with world.db.session() as session:
        set_consent(session, customer, "wechat", True, source="test")
        session.commit()
    _enable(world, "late-compensation", channels=["sms", "wechat"])
    late = world.order(customer, store, NOW - timedelta(hours=2), promised_at=NOW - timedelta(hours=1))
    slightly = world.order(customer, store, NOW - timedelta(hours=2), promised_at=NOW - timedelta(hours=1))
    world.feed(NOW)

    world.event(late, "delivery.late", {"expected_delay_s": 31 * 60})
    world.event(slightly, "delivery.late", {"expected_delay_s": 10 * 60})
    world.feed(NOW)
    assert _coupons(world, "late-compensation") == [customer]
    message = world.rows(select(NOTES.c.channel, NOTES.c.coupon_id).where(NOTES.c.rule_id == "late-compensation"))
    assert [m.channel for m in message] == ["wechat"], "the first channel the customer consented to"
    assert message[0].coupon_id is not None

    # the slightly late one then arrives 40 minutes after its promised time: compensated too, once
    world.event(
        slightly, "order.status_changed", {"from": "picked_up", "to": "delivered"}, at=NOW - timedelta(minutes=20)
    )
    world.event(late, "order.status_changed", {"from": "picked_up", "to": "delivered"}, at=NOW)
    world.feed(NOW)
    world.feed(NOW)
    periods = sorted(r.period_key for r in world.rows(select(ACTIONS.c.period_key)))
    assert periods == sorted([f"order:{late}", f"order:{slightly}"])
    assert len(_coupons(world, "late-compensation")) == 2


def test_audience_cooldown_and_what_the_rule_did(world: World) -> None:
    store = world.store()
    regular, newcomer, vip = (world.customer(phone=f"+8613500002{i:03d}", store_id=store) for i in range(3))
    for days in (90, 60, 30):
        world.order(regular, store, NOW - timedelta(days=days), 20_000)
    world.order(newcomer, store, NOW - timedelta(days=25))
    world.order(vip, store, NOW - timedelta(days=45), 600_000)
    world.recompute(NOW)
    _enable(world, "win-back", audience={"min_orders": 2}, cooldown_days=30, params=WINBACK_90)
    run_rule(world.db, "win-back", now=NOW, default_tz=TZ)
    assert _coupons(world, "win-back") == [regular], "min_orders keeps the one-order customers out"

    _enable(world, "win-back", audience={}, cooldown_days=30, params=WINBACK_90)
    code = world.rows(select(COUPONS.c.code).where(COUPONS.c.customer_id == regular))[0].code
    from hub.marketing.redemption import redeem_at_placement
    from hub.orders.api import RedemptionRequest

    with world.db.session() as session:
        redeem_at_placement(
            session,
            RedemptionRequest(
                order_id=world.order(regular, store, NOW + timedelta(days=2), 5000),
                customer_id=regular,
                store_id=store,
                subtotal_fen=5000,
                delivery_fee_fen=0,
                coupon_code=code,
                points=0,
                at=NOW + timedelta(days=2),
                actor="test",
            ),
        )
        session.commit()
    world.feed(NOW + timedelta(days=2))
    world.recompute(NOW + timedelta(days=25))
    run_rule(world.db, "win-back", now=NOW + timedelta(days=25), default_tz=TZ)
    assert _coupons(world, "win-back") == sorted([regular, newcomer, vip]), (
        "newcomer and vip now; regular is dormant again (a new spell) but in the 30-day cool-down"
    )
    run_rule(world.db, "win-back", now=NOW + timedelta(days=31), default_tz=TZ)
    assert _coupons(world, "win-back") == sorted([regular, regular, newcomer, vip]), "cool-down over"

    with Session(world.db.engine) as session:
        stats = rule_stats(session, "win-back")
    assert (stats.targeted, stats.granted, stats.redeemed) == (4, 4, 1)
    assert (stats.attributed_orders, stats.attributed_revenue_fen) == (1, 5000), "regular's order 2 days after"
