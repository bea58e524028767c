"""The depot's pick list: counts per product per route."""

from __future__ import annotations

from datetime import date

import pytest

from hub.subscriptions.errors import InvalidChange
from hub.subscriptions.generation import deliveries_due
from hub.subscriptions.pick_list import UNASSIGNED, PickLine, build_pick_list
from hub.subscriptions.plans import PlanItem
from tests.hub.subscriptions.samples import MILK, YOGURT, plan, sh, stamp, subscribe

DAY = date(2026, 3, 3)


def test_counts_per_product_per_route_with_unrouted_deliveries_kept() -> None:
    subs = [
        subscribe(plan(), date(2026, 3, 2), subscription_id="a"),
        subscribe(plan(), date(2026, 3, 2), subscription_id="b").add_extra(DAY, by=stamp(sh(2026, 3, 1, 9))),
        subscribe(plan(items=(PlanItem("EGG-6", "鸡蛋 6 只", 1, 1200),)), date(2026, 3, 2), subscription_id="c"),
    ]
    due = deliveries_due(subs, DAY)
    route_of = {due[0].key: "route-north", due[1].key: "route-north"}
    picks = build_pick_list("store-1", DAY, due, route_of)
    assert picks.lines == (
        PickLine("route-north", MILK.sku, MILK.name, 2 + 4, 2),
        PickLine("route-north", YOGURT.sku, YOGURT.name, 1 + 2, 2),
        PickLine(UNASSIGNED, "EGG-6", "鸡蛋 6 只", 1, 1),
    )
    assert picks.for_route("route-north")[0].quantity == 6
    assert picks.totals() == {"EGG-6": 1, MILK.sku: 6, YOGURT.sku: 3}


def test_a_delivery_of_another_day_is_refused() -> None:
    due = deliveries_due([subscribe(plan(), date(2026, 3, 2))], DAY)
    with pytest.raises(InvalidChange, match="not for store store-1 on 2026-03-04"):
        build_pick_list("store-1", date(2026, 3, 4), due, {})
