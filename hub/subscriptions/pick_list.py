"""The depot's pick list: how many of each product go on each route for a business date. Pure.

The caller says which route each delivery is on (the route planner's output); a delivery without a
route is counted under ``UNASSIGNED`` so nothing is left off the list. Rows are in route then sku
order, so the printed list is the same on every run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from hub.subscriptions.errors import InvalidChange
from hub.subscriptions.generation import DeliveryKey, GeneratedDelivery

UNASSIGNED = "unassigned"


@dataclass(frozen=True)
class PickLine:
    route_id: str
    sku: str
    name: str
    quantity: int
    deliveries: int
    """How many deliveries on the route carry the product."""


@dataclass(frozen=True)
class PickList:
    store_id: str
    business_date: date
    lines: tuple[PickLine, ...]

    def for_route(self, route_id: str) -> tuple[PickLine, ...]:
        return tuple(line for line in self.lines if line.route_id == route_id)

    def totals(self) -> dict[str, int]:
        """Sku -> quantity over all routes (what leaves the depot)."""
        totals: dict[str, int] = defaultdict(int)
        for line in self.lines:
            totals[line.sku] += line.quantity
        return dict(sorted(totals.items()))


def build_pick_list(
    store_id: str,
    business_date: date,
    deliveries: Iterable[GeneratedDelivery],
    route_of: Mapping[DeliveryKey, str],
) -> PickList:
    quantities: dict[tuple[str, str], int] = defaultdict(int)
    carriers: dict[tuple[str, str], int] = defaultdict(int)
    names: dict[str, str] = {}
    for delivery in deliveries:
        if delivery.store_id != store_id or delivery.business_date != business_date:
            raise InvalidChange(f"delivery {delivery.key.as_text()} is not for store {store_id} on {business_date}")
        route = route_of.get(delivery.key, UNASSIGNED)
        for sku in {item.sku for item in delivery.items}:
            carriers[(route, sku)] += 1
        for item in delivery.items:
            quantities[(route, item.sku)] += item.quantity
            names.setdefault(item.sku, item.name)
    lines = tuple(
        PickLine(route, sku, names[sku], quantity, carriers[(route, sku)])
        for (route, sku), quantity in sorted(quantities.items())
    )
    return PickList(store_id, business_date, lines)
