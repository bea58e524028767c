"""Every scheduled rule, run twice, from two processes at once, grants and queues nothing twice (PostgreSQL)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from hub.crm.profile import set_consent
from hub.crm.profile_tables import CustomerProfile
from hub.kernel.business_days import local_today
from hub.marketing.rule_runner import run_rule
from hub.marketing.rules import SCHEDULED
from hub.marketing.tables import Coupon, CouponTemplate, MarketingRule, RuleAction
from hub.notifications.tables import Notification
from tests.hub.crm.builders import TZ, World

pytestmark = pytest.mark.integration

COUPONS = Coupon.__table__  # type: ignore[attr-defined]
ACTIONS = RuleAction.__table__  # type: ignore[attr-defined]
NOTES = Notification.__table__  # type: ignore[attr-defined]
RULES = MarketingRule.__table__  # type: ignore[attr-defined]
TEMPLATES = CouponTemplate.__table__  # type: ignore[attr-defined]
PER_RULE = 40


def _populate(world: World, now: datetime) -> dict[str, int]:
    """PER_RULE customers for each scheduled rule (and some for none); all consent to SMS."""
    store = world.store(timezone=TZ)
    today = local_today(now, TZ)
    expected = Counter[str]()
    n = 0

    def customer() -> str:
        nonlocal n
        n += 1
        cid = world.customer(phone=f"+86137{n:08d}", store_id=store, name=f"顾客{n}")
        with world.db.session() as session:
            set_consent(session, cid, "sms", True, source="test")
            session.commit()
        return cid

    for _ in range(PER_RULE):
        world.order(customer(), store, now - timedelta(days=1, hours=1))  # first order yesterday
        expected["first-order-thanks"] += 1
        world.order(customer(), store, now - timedelta(days=25))  # dormant 25 days
        expected["win-back"] += 1
        returning = customer()  # ordered 16 and 11 days ago: expected back 6 days ago
        world.order(returning, store, now - timedelta(days=16))
        world.order(returning, store, now - timedelta(days=11))
        expected["repurchase-reminder"] += 1
        birthday = customer()
        with world.db.session() as session:
            session.add(CustomerProfile(customer_id=birthday, birth_month=today.month, birth_day=today.day))
            session.commit()
        expected["birthday"] += 1
        world.order(customer(), store, now - timedelta(days=10))  # none of them
    world.recompute(now)
    with world.db.engine.begin() as conn:
        conn.execute(update(RULES).where(RULES.c.trigger.in_([t.value for t in SCHEDULED])).values(enabled=True))
    return dict(expected)


def _check_nothing_twice(world: World, expected: dict[str, int]) -> None:
    for rule_id, count in expected.items():
        granted = world.rows(select(COUPONS.c.customer_id).where(COUPONS.c.rule_id == rule_id))
        customers = [g.customer_id for g in granted]
        actions = world.count(ACTIONS, ACTIONS.c.rule_id == rule_id)
        messages = world.rows(select(NOTES.c.customer_id).where(NOTES.c.rule_id == rule_id))
        assert actions == count, (rule_id, actions, count)
        assert len(messages) == count == len({m.customer_id for m in messages}), rule_id
        if rule_id == "repurchase-reminder":
            assert customers == [], "the reminder sends a message, no coupon"
            continue
        assert len(customers) == count == len(set(customers)), (rule_id, len(customers), count)
        template = world.scalar(select(RULES.c.coupon_template_id).where(RULES.c.id == rule_id))
        issued = world.scalar(select(TEMPLATES.c.issued_count).where(TEMPLATES.c.id == template))
        assert issued == count, f"{rule_id}: issued_count {issued} counts each coupon once"


def test_two_processes_twice(pg_fresh_url: str) -> None:
    from hub.db import Database

    world = World(Database.from_url(pg_fresh_url))
    started = datetime.now(UTC)
    expected = _populate(world, started)
    env = {**os.environ, "BRIGADE_DATABASE_URL": pg_fresh_url, "BRIGADE_VAR_DIR": "/tmp"}
    for round_ in range(2):
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "hub", "rules", "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
            for _ in range(2)
        ]
        for p in processes:
            out, err = p.communicate(timeout=120)
            assert p.returncode == 0, err.decode()
            assert out.decode().count('"rule_id"') == len(SCHEDULED), (round_, out.decode())
    if local_today(started, TZ) != local_today(datetime.now(UTC), TZ):
        pytest.skip("the local date changed during the test: birthdays moved")
    _check_nothing_twice(world, expected)
    world.db.dispose()


def test_without_the_lock_the_keys_alone_prevent_double_grants(pg_fresh_url: str) -> None:
    from hub.db import Database

    world = World(Database.from_url(pg_fresh_url, pool_size=10))
    now = datetime.now(UTC)
    expected = _populate(world, now)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def run(rule_id: str) -> None:
        try:
            barrier.wait()
            run_rule(world.db, rule_id, now=now, default_tz=TZ, lock=False, batch_size=50)
        except BaseException as exc:  # reported below
            errors.append(exc)

    for rule_id in expected:
        barrier.reset()
        threads = [threading.Thread(target=run, args=(rule_id,)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert not errors, errors
    _check_nothing_twice(world, expected)
    total = world.scalar(select(func.count()).select_from(COUPONS))
    assert total == sum(v for k, v in expected.items() if k != "repurchase-reminder")
    world.db.dispose()
