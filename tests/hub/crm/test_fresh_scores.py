"""Orders, imports and merges refresh the customers they touch at once: no waiting for the hourly recompute."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hub.crm.importing.importer import ImportOptions, run_import
from tests.hub.crm.builders import World, utc
from tests.hub.seed import login, make_admin, order_body, seed_store

pytestmark = pytest.mark.integration
NOW = utc(2025, 6, 30, 4, 0)  # noon in Shanghai


def test_customers_who_just_ordered_are_new_not_lost(api: tuple[TestClient, World], sqlite_url: str) -> None:
    """The demo: the hub's first recompute ran before anyone ordered; minutes later 12 customers order."""
    client, world = api
    headers = login(client, make_admin(sqlite_url))
    store = world.store()
    world.recompute(NOW - timedelta(hours=1))  # at start-up: nobody yet
    customers = [world.customer(phone=f"+8613300001{i:03d}", store_id=store) for i in range(12)]
    for i, customer in enumerate(customers):
        world.order(customer, store, NOW - timedelta(minutes=30 - i), 3000 + 700 * i)
    world.feed(NOW)  # the order feed, seconds later; no recompute

    views = [client.get(f"/customers/{c}/360", headers=headers).json() for c in customers]
    assert {v["segment"] for v in views} <= {"new", "potential_loyalist"}, [v["segment"] for v in views]
    assert {v["lifecycle"] for v in views} == {"new"}
    assert {v["rfm"]["r"] for v in views} == {5}
    overview = client.get("/crm/overview", headers=headers).json()
    assert overview["segments"]["lost"] == 0 and overview["lifecycles"] == {"new": 12}


def test_a_merge_brings_figures_segment_and_tier_up_to_date_at_once(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    store = seed_store(client, admin_headers)
    world = World(client.app.state.ctx.db)  # type: ignore[attr-defined]
    by_phone, by_member = [], []
    for _ in range(2):  # 2 x 136 yuan each: members; 544 yuan together: silver (500)
        by_phone.append(
            client.post(
                "/orders", json=order_body(store.store_id, customer={"phone": "13300002222"}), headers=admin_headers
            )
        )
        by_member.append(
            client.post(
                "/orders", json=order_body(store.store_id, customer={"member_id": "M-88"}), headers=admin_headers
            )
        )
    target, source = by_phone[0].json()["customer_id"], by_member[0].json()["customer_id"]
    world.feed()
    world.recompute()
    before = client.get(f"/customers/{target}/360", headers=admin_headers).json()
    assert (before["tier"]["code"], before["stats"]["orders_count"]) == ("member", 2)

    merged = client.post(f"/customers/{target}/merge", json={"source_customer_id": source}, headers=admin_headers)
    assert merged.status_code == 200, merged.text
    after = client.get(f"/customers/{target}/360", headers=admin_headers).json()
    assert after["stats"]["orders_count"] == 4
    assert after["tier"]["code"] == "silver", "no waiting for the hourly recompute"
    assert after["rfm"]["f"] == 1 and after["segment"] != "prospect", "four orders, one visit today"


def test_imported_history_is_scored_by_the_import_itself(
    api: tuple[TestClient, World], sqlite_url: str, tmp_path: Path
) -> None:
    client, world = api
    headers = login(client, make_admin(sqlite_url))
    store = world.store("sh-9")
    history = tmp_path / "orders.csv"
    history.write_text(
        "订单号,手机号,下单时间,实付金额\n"
        "A1,13800001111,2025-06-28 12:30,88.00\n"  # 2 days before: R5
        "A2,13800001111,2025-05-20 12:30,66.00\n"
        "B1,13800002222,2025-06-10 19:00,120.00\n"  # 20 days: R4
        "C1,13800003333,2024-01-05 12:00,35.50\n",  # a year and a half: churned
        encoding="utf-8",
    )
    report = run_import(world.db, history, ImportOptions(kind="orders", store_id=store, now=NOW))
    assert (report.created, report.customers_refreshed) == (4, 3)

    listed = {c["id"]: c for c in client.get("/customers", headers=headers).json()}
    views = {cid: client.get(f"/customers/{cid}/360", headers=headers).json() for cid in listed}
    seen = sorted((v["stats"]["orders_count"], v["rfm"]["r"], v["lifecycle"]) for v in views.values())
    assert seen == [(1, 1, "churned"), (1, 4, "new"), (2, 5, "active")]
    assert {v["segment"] for v in views.values()} & {"prospect"} == set()
