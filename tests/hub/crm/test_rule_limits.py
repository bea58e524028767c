"""Rules that cannot flood: a bounded seeded win-back, a dry run before anything is granted, contradictions refused;
and "a purchase" is a visit: customers created today get birthday coupons, one visit predicts no repurchase."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from hub.crm.profile_tables import CustomerProfile
from hub.crm.stats_tables import CustomerStats
from hub.marketing.rule_runner import run_rule
from hub.marketing.tables import Coupon, MarketingRule, RuleAction
from tests.hub.crm.builders import TZ, World, utc
from tests.hub.seed import login, make_admin

pytestmark = pytest.mark.integration
COUPONS = Coupon.__table__  # type: ignore[attr-defined]
RULES = MarketingRule.__table__  # type: ignore[attr-defined]
ACTIONS = RuleAction.__table__  # type: ignore[attr-defined]
STATS = CustomerStats.__table__  # type: ignore[attr-defined]
NOW = utc(2025, 6, 30, 4, 0)  # noon in Shanghai


def _history(world: World) -> tuple[str, list[str]]:
    """Years of imported history (300 customers, lapsed long ago) and 4 customers quiet for 25 days."""
    store = world.store()
    for i in range(300):
        customer = world.customer(phone=f"+8613200{i:06d}", store_id=store)
        world.order(customer, store, NOW - timedelta(days=100 + 3 * i), 4000, event=False)
    recent = []
    for i in range(4):
        customer = world.customer(phone=f"+8613299{i:06d}", store_id=store)
        world.order(customer, store, NOW - timedelta(days=25), 4000, event=False)
        recent.append(customer)
    world.recompute(NOW)
    return store, recent


def test_the_seeded_winback_is_bounded_and_a_dry_run_counts_before_granting(
    world: World, tmp_path: Path, fresh_url: str
) -> None:
    _, recent = _history(world)
    seeded = world.rows(select(RULES.c.params, RULES.c.enabled).where(RULES.c.id == "win-back"))[0]
    assert (seeded.params, seeded.enabled) == ({"days": 20, "max_days": 60}, False)

    env = {**os.environ, "BRIGADE_DATABASE_URL": fresh_url, "BRIGADE_VAR_DIR": str(tmp_path / "var")}
    at = NOW.isoformat()
    dry = subprocess.run(
        [sys.executable, "-m", "hub", "rules", "run", "--rule", "win-back", "--dry-run", "--at", at],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert dry.returncode == 0, dry.stderr
    shown = json.loads(dry.stdout.strip().splitlines()[-1])
    assert (shown["dry_run"], shown["targeted"], shown["granted"]) == (True, 4, 4), "a disabled rule can be tried"
    assert "4 customers would be targeted" in dry.stderr and "nothing written" in dry.stderr
    assert world.count(COUPONS) == 0 and world.count(ACTIONS) == 0

    with world.db.engine.begin() as conn:  # no upper limit: what enabling it used to do
        conn.execute(update(RULES).where(RULES.c.id == "win-back").values(params={"days": 20, "max_days": None}))
    unbounded = subprocess.run(
        [sys.executable, "-m", "hub", "rules", "run", "--rule", "win-back", "--dry-run", "--at", at],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert json.loads(unbounded.stdout.strip().splitlines()[-1])["targeted"] == 304

    with world.db.engine.begin() as conn:
        conn.execute(
            update(RULES).where(RULES.c.id == "win-back").values(params={"days": 20, "max_days": 60}, enabled=True)
        )
    ran = run_rule(world.db, "win-back", now=NOW, default_tz=TZ)
    assert (ran.targeted, ran.granted) == (4, 4)
    assert sorted(r.customer_id for r in world.rows(select(COUPONS.c.customer_id))) == sorted(recent)


def test_contradictory_rule_settings_are_refused(api: tuple[TestClient, World], sqlite_url: str) -> None:
    client, _ = api
    headers = login(client, make_admin(sqlite_url))
    wrong = client.patch("/rules/win-back", json={"params": {"days": 90, "max_days": 30}}, headers=headers)
    assert wrong.status_code == 422 and wrong.headers["content-type"].startswith("application/problem+json")
    assert "days (90) is more than max_days (30)" in wrong.json()["detail"]
    crossed = client.patch("/rules/win-back", json={"audience": {"min_orders": 5, "max_orders": 2}}, headers=headers)
    assert crossed.status_code == 422 and "min_orders (5) is more than max_orders (2)" in crossed.json()["detail"]
    new = {
        "id": "winback-old",
        "name": "老客",
        "trigger": "winback",
        "params": {"days": 400, "max_days": 200},
        "coupon_template_id": "tpl-winback",
    }
    created = client.post("/rules", json=new, headers=headers)
    assert created.status_code == 422 and "days (400) is more than max_days (200)" in created.text
    assert client.get("/rules/win-back", headers=headers).json()["params"] == {"days": 20, "max_days": 60}

    fine = client.patch("/rules/win-back", json={"params": {"days": 30, "max_days": 90}}, headers=headers)
    assert fine.status_code == 200, fine.text
    dry = client.post("/rules/win-back/run", params={"dry_run": "true"}, headers=headers)
    assert dry.status_code == 200 and dry.json()["dry_run"] is True, dry.text


def test_a_customer_created_today_gets_the_birthday_coupon_without_a_recompute(
    api: tuple[TestClient, World], sqlite_url: str
) -> None:
    client, world = api
    headers = login(client, make_admin(sqlite_url))
    world.recompute(NOW - timedelta(hours=3))  # this morning's recompute, before the customer existed
    created = client.post("/customers", json={"phone": "13100001111", "name": "寿星"}, headers=headers)
    assert created.status_code in (200, 201), created.text
    customer = created.json()["id"]
    with world.db.session() as session:
        session.add(CustomerProfile(customer_id=customer, birth_month=6, birth_day=30))
        session.commit()
    with world.db.engine.begin() as conn:
        conn.execute(update(RULES).where(RULES.c.id == "birthday").values(enabled=True))
    ran = run_rule(world.db, "birthday", now=NOW, default_tz=TZ)
    assert (ran.targeted, ran.granted) == (1, 1)
    granted = world.rows(select(COUPONS.c.customer_id, COUPONS.c.template_id))
    assert [(g.customer_id, g.template_id) for g in granted] == [(customer, "tpl-birthday")]


def test_several_lines_on_one_day_are_one_visit_with_no_predicted_repurchase(world: World) -> None:
    store = world.store()
    once, twice = world.customer(phone="+8613100002222", store_id=store), world.customer(phone="+8613100003333")
    for minutes in (0, 1, 2):  # three lines of one visit
        world.order(once, store, NOW - timedelta(days=10, minutes=minutes))
    world.order(twice, store, NOW - timedelta(days=20))
    world.order(twice, store, NOW - timedelta(days=20) + timedelta(minutes=5))  # a second line, same visit
    world.order(twice, store, NOW - timedelta(days=10))
    world.feed(NOW)
    rows = {
        r.customer_id: r
        for r in world.rows(
            select(STATS.c.customer_id, STATS.c.purchase_days, STATS.c.predicted_next_at, STATS.c.lifecycle)
        )
    }
    assert (rows[once].purchase_days, rows[once].predicted_next_at, rows[once].lifecycle) == (1, None, "new")
    assert rows[twice].purchase_days == 2
    assert rows[twice].predicted_next_at == NOW, "last visit + the 10 days between the two visits"
    with world.db.engine.begin() as conn:
        conn.execute(update(RULES).where(RULES.c.id == "repurchase-reminder").values(enabled=True))
    ran = run_rule(world.db, "repurchase-reminder", now=NOW + timedelta(hours=1), default_tz=TZ)
    assert ran.targeted == 1 and world.scalar(select(ACTIONS.c.customer_id)) == twice
