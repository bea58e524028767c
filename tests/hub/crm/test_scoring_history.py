"""Segments that mean something on imported history: fixed recency, tied bins, one visit never a champion,
scoring populations by store group, and ``crm recompute --as-of`` (CLI and API) on the real CDNOW sample."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from hub.crm.importing.importer import ImportOptions, run_import
from hub.crm.stats_tables import CustomerStats
from hub.customers.tables import CustomerIdentity
from tests.hub.crm.builders import World, utc
from tests.hub.seed import login, make_admin
from tests.services import missing
from tests.shared_data import SHARED_DATA

pytestmark = pytest.mark.integration
STATS = CustomerStats.__table__  # type: ignore[attr-defined]
IDENTITIES = CustomerIdentity.__table__  # type: ignore[attr-defined]
CDNOW = SHARED_DATA / "crm" / "CDNOW_sample.txt"
NOW = utc(2025, 6, 30, 4, 0)  # noon in Shanghai
R1_SEGMENTS = {"lost", "at_risk", "cannot_lose_them"}


def _scores(world: World) -> dict[str, tuple[int | None, int | None, int | None, str, str]]:
    rows = world.rows(
        select(
            STATS.c.customer_id, STATS.c.r_score, STATS.c.f_score, STATS.c.m_score, STATS.c.segment, STATS.c.lifecycle
        )
    )
    return {r.customer_id: (r.r_score, r.f_score, r.m_score, r.segment, r.lifecycle) for r in rows}


def test_recency_is_days_since_the_last_order_not_a_rank_among_customers(world: World) -> None:
    """Everyone last ordered over a year ago: all churned, all R=1, nobody new or a champion."""
    store = world.store()
    customers = [world.customer(phone=f"+8613700001{i:03d}", store_id=store) for i in range(10)]
    for i, customer in enumerate(customers):
        for visit in range(1 + i % 4):
            world.order(customer, store, NOW - timedelta(days=400 + 10 * i + 30 * visit), 2000 + 900 * i)
    world.recompute(NOW)
    scores = _scores(world)
    assert {s[0] for s in scores.values()} == {1}, "R is 1 for a last order 400+ days ago, whoever else there is"
    assert {s[4] for s in scores.values()} == {"churned"}
    assert {s[3] for s in scores.values()} <= R1_SEGMENTS

    recent = world.customer(phone="+8613700002000", store_id=store)
    world.order(recent, store, NOW - timedelta(days=20), 3000)  # 20 days: under 30, at least 14 -> R=4
    world.recompute(NOW)
    assert _scores(world)[recent][:1] == (4,)


def test_tied_values_share_a_bin_and_one_visit_is_f1_and_never_a_champion(world: World) -> None:
    store = world.store()
    visits = [1, 1, 1, 1, 1, 1, 1, 2, 3, 5]  # purchase days in the window; quintile boundaries 1, 1, 1, 2
    customers = []
    for i, days in enumerate(visits):
        customer = world.customer(phone=f"+8613600001{i:03d}", store_id=store)
        customers.append(customer)
        for d in range(days):
            world.order(customer, store, NOW - timedelta(days=1 + 7 * d), 3000 + 500 * i)
    big_spender = world.customer(phone="+8613600002000", store_id=store)
    for _line in range(3):  # three lines of one visit, yesterday, the most money of anyone
        world.order(big_spender, store, NOW - timedelta(days=1), 90_000)
    lapsed = [world.customer(phone=f"+8613600003{i:03d}", store_id=store) for i in range(30)]
    for customer in lapsed:  # ordered only before the 12-month window: outside the F and M ranking
        world.order(customer, store, NOW - timedelta(days=500), 3000)
    world.recompute(NOW)

    scores = _scores(world)
    f = {days: scores[c][1] for c, days in zip(customers, visits, strict=True)}
    assert f == {1: 1, 2: 2, 3: 3, 5: 3}, "no bin skipped: 2 visits is F=2, not 4"
    r, f_big, m_big, segment, lifecycle = scores[big_spender]
    assert (r, f_big, m_big) == (5, 1, 5)
    assert segment == "potential_loyalist" and lifecycle == "new", "one visit: never a champion"
    assert world.scalar(select(STATS.c.purchase_days).where(STATS.c.customer_id == big_spender)) == 1
    assert {scores[c][1] for c in lapsed} == {1} and {scores[c][3] for c in lapsed} == {"lost"}


def test_each_store_group_is_scored_as_its_own_population(api: tuple[TestClient, World], sqlite_url: str) -> None:
    """Two brands: the best customer of the cheap one is its M=5, not everyone's M=1."""
    client, world = api
    headers = login(client, make_admin(sqlite_url))
    hotpot, noodles = world.store("hotpot-1"), world.store("noodles-1")
    rich = [world.customer(phone=f"+8613500001{i:03d}", store_id=hotpot) for i in range(20)]
    modest = [world.customer(phone=f"+8613500002{i:03d}", store_id=noodles) for i in range(5)]
    for i, customer in enumerate(rich):
        world.order(customer, hotpot, NOW - timedelta(days=2), 50_000 + 10_000 * i)
    for i, customer in enumerate(modest):
        world.order(customer, noodles, NOW - timedelta(days=2), 1_500 + 100 * i)
    best_noodles = modest[-1]

    def m_of(customer: str) -> int:
        return int(client.get(f"/customers/{customer}/360", headers=headers).json()["rfm"]["m"])

    recomputed = client.post("/crm/recompute", params={"as_of": "2025-06-30"}, headers=headers)
    assert recomputed.status_code == 200, recomputed.text
    assert m_of(best_noodles) == 1, "one population: the noodle shop's best is below every hotpot customer"

    config = client.get("/crm/config", headers=headers).json()
    config["scoring_groups"] = {"hotpot": [hotpot], "noodles": [noodles]}
    assert client.put("/crm/config", json=config, headers=headers).status_code == 200
    assert client.post("/crm/recompute", params={"as_of": "2025-06-30"}, headers=headers).status_code == 200
    assert m_of(best_noodles) == 5 and m_of(rich[-1]) == 5 and m_of(modest[0]) == 1

    config["scoring_groups"] = {"hotpot": [hotpot], "other": [hotpot, noodles]}
    refused = client.put("/crm/config", json=config, headers=headers)
    assert refused.status_code == 422 and "two scoring groups" in refused.text


def test_the_api_scores_as_of_a_past_day_and_refuses_a_bad_one(api: tuple[TestClient, World], sqlite_url: str) -> None:
    client, world = api
    headers = login(client, make_admin(sqlite_url))
    store = world.store()
    customer = world.customer(phone="+8613400001000", store_id=store)
    world.order(customer, store, utc(2025, 1, 10, 4, 0))
    world.order(customer, store, utc(2025, 6, 20, 4, 0))  # after the as-of day: left out

    done = client.post("/crm/recompute", params={"as_of": "2025-03-01"}, headers=headers)
    assert done.status_code == 200, done.text
    assert done.json()["as_of"] == "2025-03-01" and done.json()["full_rebuild"] is True
    counted = world.scalar(select(STATS.c.orders_count).where(STATS.c.customer_id == customer))
    assert counted == 1, "the June order had not happened on 1 March"
    view = client.get(f"/customers/{customer}/360", headers=headers).json()
    assert (view["rfm"]["r"], view["lifecycle"]) == (3, "dormant"), "50 days quiet on 1 March"

    bad = client.post("/crm/recompute", params={"as_of": "01/03/2025"}, headers=headers)
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert "YYYY-MM-DD" in bad.json()["detail"]
    far = client.post("/crm/recompute", params={"as_of": "9999-12-31"}, headers=headers)
    assert far.status_code == 422 and "out of range" in far.json()["detail"]


def _cdnow_expected(as_of: date, default_tz: str) -> dict[str, tuple[int, int, int, int]]:
    """Per CDNOW customer id, from the file alone: (R, purchase days, window purchase days, window spend)."""
    ny = ZoneInfo("America/New_York")
    now = datetime.combine(as_of + timedelta(days=1), time(0), tzinfo=ZoneInfo(default_tz)) - timedelta(microseconds=1)
    window_start = now - timedelta(days=365)
    days: dict[str, set[date]] = defaultdict(set)
    window: dict[str, set[date]] = defaultdict(set)
    spend: dict[str, int] = defaultdict(int)
    for line in CDNOW.read_text().splitlines():
        if not line.strip():
            continue
        customer, _, ymd, _, amount = line.split()
        day = datetime.strptime(ymd, "%Y%m%d").date()
        days[customer].add(day)
        if datetime.combine(day, time(12), tzinfo=ny).astimezone(UTC) >= window_start:
            window[customer].add(day)
            spend[customer] += round(float(amount) * 100)
    out = {}
    for customer, bought in days.items():
        quiet = (as_of - max(bought)).days
        out[customer] = (
            5 - sum(quiet >= t for t in (14, 30, 60, 90)),
            len(bought),
            len(window[customer]),
            spend[customer],
        )
    return out


def test_cdnow_history_scored_as_of_the_end_of_its_period(world: World, tmp_path: Path, fresh_url: str) -> None:
    """The real CDNOW sample (1997-01 to 1998-06), imported, then ``crm recompute --as-of 1998-06-30``."""
    if not CDNOW.exists():
        missing(f"the CDNOW sample is not at {CDNOW} (set BRIGADE_SHARED_DATA to ../shared/data)")
    store = world.store("cdnow-ny", timezone="America/New_York")
    options = ImportOptions(
        kind="orders",
        source="cdnow",
        store_id=store,
        header=False,
        delimiter="ws",
        mapping={"customer_external_id": "1", "placed_at": "3", "total": "5"},
        now=utc(2026, 12, 1),
    )
    report = run_import(world.db, CDNOW, options)
    assert (report.created, report.bad_rows, report.customers_refreshed) == (6919, 0, 2357)
    imported = Counter(r.lifecycle for r in world.rows(select(STATS.c.lifecycle)))
    assert imported == {"churned": 2357}, "scored as they are today, right after the import"
    assert {r.segment for r in world.rows(select(STATS.c.segment))} <= R1_SEGMENTS, "churned is never new or champion"

    env = {**os.environ, "BRIGADE_DATABASE_URL": fresh_url, "BRIGADE_VAR_DIR": str(tmp_path / "var")}
    done = subprocess.run(
        [sys.executable, "-m", "hub", "crm", "recompute", "--as-of", "1998-06-30"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout.strip().splitlines()[-1])
    assert shown["as_of"] == "1998-06-30" and sum(shown["segments"].values()) == 2357

    expected = _cdnow_expected(date(1998, 6, 30), "Asia/Shanghai")
    ranked = sorted(e[3] for e in expected.values() if e[2] > 0)
    assert ranked, "some customers bought in the 12 months before July 1998"
    rows = world.rows(
        select(IDENTITIES.c.value, STATS)
        .join(STATS, STATS.c.customer_id == IDENTITIES.c.customer_id)
        .where(IDENTITIES.c.namespace == "cdnow")
    )
    assert len(rows) == 2357
    segments: Counter[str] = Counter()
    for row in rows:
        r, days, window_days, window_spend = expected[row.value]
        assert (row.r_score, row.purchase_days, row.window_purchase_days, row.window_spend_fen) == (
            r,
            days,
            window_days,
            window_spend,
        ), row.value
        if window_days <= 1:
            assert row.f_score == 1
        if days == 1:
            assert row.segment not in ("champions", "loyal"), "a one-visit customer is never a champion"
        if row.lifecycle == "churned":
            assert row.r_score == 1 and row.segment in R1_SEGMENTS
        segments[row.segment] += 1
    assert dict(segments) == {k: v for k, v in shown["segments"].items() if v}
    assert segments.most_common(1)[0][0] == "lost", f"most of CDNOW had lapsed by mid-1998: {segments}"
    assert shown["lifecycles"]["churned"] == sum(1 for e in expected.values() if e[0] == 1)
    assert segments["champions"] > 0, "the few frequent, recent, big buyers are champions"
