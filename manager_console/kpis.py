"""Today's KPIs computed from a list of orders (when the hub has no /analytics)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

OPEN = {"received", "accepted", "cooking", "ready", "assigned", "picked_up"}
UNCOUNTED = {"cancelled", "failed"}


@dataclass(frozen=True)
class Kpis:
    orders: int
    revenue_fen: int
    average_order_fen: int
    open_orders: int
    by_hour: dict[int, int] = field(default_factory=dict)


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def kpis_from_orders(orders: list[dict[str, Any]], now: datetime, zone: tzinfo) -> Kpis:
    """Orders placed on ``now``'s local day, not cancelled or failed."""
    today = now.astimezone(zone).date()
    counted = []
    by_hour: dict[int, int] = {}
    for order in orders:
        placed = _when(str(order["placed_at"])).astimezone(zone)
        if placed.date() != today or order.get("status") in UNCOUNTED:
            continue
        counted.append(order)
        by_hour[placed.hour] = by_hour.get(placed.hour, 0) + 1
    revenue = sum(int(o.get("total_fen", 0)) for o in counted)
    return Kpis(
        orders=len(counted),
        revenue_fen=revenue,
        average_order_fen=round(revenue / len(counted)) if counted else 0,
        open_orders=sum(1 for o in counted if o.get("status") in OPEN),
        by_hour=by_hour,
    )


def yuan(fen: int) -> str:
    return f"¥{fen / 100:,.2f}"
