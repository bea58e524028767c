"""The same figures computed independently with pandas from the generated rows."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from tests.hub.analytics.generated_data import STORES, Generated

NOT_COUNTED = {"cancelled", "failed"}


def frames(data: Generated) -> dict[str, pd.DataFrame]:
    return {name: pd.DataFrame(rows) for name, rows in data.rows.items()}


def orders_with_days(data: Generated, *, counted_only: bool = True) -> pd.DataFrame:
    orders = frames(data)["orders"].copy()
    placed = pd.to_datetime(orders["placed_at"], utc=True)
    orders["day"] = [ts.tz_convert(STORES[store]).date() for ts, store in zip(placed, orders["store_id"], strict=True)]
    if counted_only:
        orders = orders[~orders["status"].isin(NOT_COUNTED)]
    return orders


def in_scope(orders: pd.DataFrame, stores: list[str] | None, day_from: date, day_to: date) -> pd.DataFrame:
    mask = (orders["day"] >= day_from) & (orders["day"] <= day_to)
    if stores is not None:
        mask &= orders["store_id"].isin(stores)
    return orders[mask]


def daily(data: Generated, stores: list[str] | None, day_from: date, day_to: date) -> dict[date, tuple[int, int]]:
    o = in_scope(orders_with_days(data), stores, day_from, day_to)
    grouped = o.groupby("day")["total_fen"].agg(["count", "sum"])
    return {d: (int(r["count"]), int(r["sum"])) for d, r in grouped.iterrows()}


def customers(data: Generated, stores: list[str] | None, day_from: date, day_to: date) -> dict[str, Any]:
    everything = orders_with_days(data)
    if stores is not None:
        everything = everything[everything["store_id"].isin(stores)]
    everything = everything.dropna(subset=["customer_id"])
    period = in_scope(everything, None, day_from, day_to)
    active = set(period["customer_id"])
    earlier = set(everything[everything["day"] < day_from]["customer_id"])
    days_per = period.drop_duplicates(["customer_id", "day"]).groupby("customer_id").size()
    return {
        "active": len(active),
        "new": len(active - earlier),
        "returning": len(active & earlier),
        "repeat_buyers": int((days_per >= 2).sum()),
    }


def cohorts(data: Generated, stores: list[str] | None, day_from: date, day_to: date) -> dict[tuple[str, str], int]:
    o = orders_with_days(data)
    if stores is not None:
        o = o[o["store_id"].isin(stores)]
    o = o.dropna(subset=["customer_id"])
    o = o[o["day"] <= day_to]
    first = o.groupby("customer_id")["day"].min()
    members = first[first >= day_from]
    o = o[o["customer_id"].isin(members.index)].copy()
    o["cohort"] = o["customer_id"].map(lambda c: members[c].strftime("%Y-%m"))
    o["month"] = o["day"].map(lambda d: d.strftime("%Y-%m"))
    counts = o.groupby(["cohort", "month"])["customer_id"].nunique()
    return {(str(c), str(m)): int(n) for (c, m), n in counts.items()}


def products(
    data: Generated, stores: list[str] | None, day_from: date, day_to: date
) -> list[tuple[str, int, int, int]]:
    o = in_scope(orders_with_days(data), stores, day_from, day_to)
    lines = frames(data)["order_lines"]
    lines = lines[~lines["cancelled"] & lines["order_id"].isin(o["id"])]
    g = lines.groupby("sku").agg(
        quantity=("quantity", "sum"), orders=("order_id", "nunique"), revenue=("total_fen", "sum")
    )
    g = g.reset_index().sort_values(["revenue", "sku"], ascending=[False, True])
    return [(r.sku, int(r.quantity), int(r.orders), int(r.revenue)) for r in g.itertuples()]


def areas(data: Generated, stores: list[str] | None, day_from: date, day_to: date) -> dict[str, tuple[int, int, int]]:
    o = in_scope(orders_with_days(data), stores, day_from, day_to).dropna(subset=["delivery_lat", "delivery_lon"])
    o = o.assign(
        area=[
            f"{int((la / 0.01) // 1) * 0.01:.2f},{int((lo / 0.01) // 1) * 0.01:.2f}"
            for la, lo in zip(o["delivery_lat"], o["delivery_lon"], strict=True)
        ]
    )
    g = o.groupby("area").agg(
        customers=("customer_id", "nunique"), orders=("id", "count"), revenue=("total_fen", "sum")
    )
    return {a: (int(r.customers), int(r.orders), int(r.revenue)) for a, r in g.iterrows()}


def riders(data: Generated, stores: list[str] | None, day_from: date, day_to: date) -> dict[str, dict[str, Any]]:
    o = in_scope(orders_with_days(data, counted_only=False), stores, day_from, day_to)
    d = frames(data)["deliveries"].merge(o[["id", "promised_at"]], left_on="order_id", right_on="id")
    d = d.dropna(subset=["rider_id"])
    out: dict[str, dict[str, Any]] = {}
    for rider, g in d.groupby("rider_id"):
        delivered = g[g["stage"] == "delivered"]
        promised = delivered.dropna(subset=["promised_at", "delivered_at"])
        took = (
            pd.to_datetime(delivered["delivered_at"]) - pd.to_datetime(delivered["picked_up_at"])
        ).dt.total_seconds()
        failed = g[g["stage"] == "failed"]
        out[str(rider)] = {
            "deliveries": len(g),
            "delivered": len(delivered),
            "failed": len(failed),
            "on_time": int((pd.to_datetime(promised["delivered_at"]) <= pd.to_datetime(promised["promised_at"])).sum()),
            "promised": len(promised),
            "average_delivery_s": float(took.mean()) if len(took) else None,
            "failure_reasons": failed["failure_reason"].fillna("unknown").value_counts().to_dict(),
        }
    return out


def stations(
    data: Generated, stores: list[str] | None, day_from: date, day_to: date
) -> dict[tuple[str, str], dict[str, Any]]:
    o = in_scope(orders_with_days(data, counted_only=False), stores, day_from, day_to)
    f = frames(data)
    t = f["kitchen_tickets"][f["kitchen_tickets"]["order_id"].isin(o["id"])]
    late_after = {(s["store_id"], s["code"]): s["late_after_s"] for s in data.rows["stations"]}
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for (store, code), g in t.groupby(["store_id", "station_code"]):
        done = g.dropna(subset=["bumped_at"])
        took = (pd.to_datetime(done["bumped_at"]) - pd.to_datetime(done["sent_at"])).dt.total_seconds()
        out[(str(store), str(code))] = {
            "tickets": len(g),
            "bumped": len(done),
            "average_s": float(took.mean()) if len(took) else None,
            "max_s": float(took.max()) if len(took) else None,
            "late": int((took > late_after[(store, code)]).sum()),
        }
    return out


def campaigns(
    data: Generated, stores: list[str] | None, day_from: date, day_to: date, zone: str
) -> dict[str, tuple[int, int, int, int, int]]:
    f = frames(data)
    home = dict(zip(f["customers"]["id"], f["customers"]["home_store_id"], strict=True))

    def local_day(column: pd.Series) -> pd.Series:
        return pd.to_datetime(column, utc=True).dt.tz_convert(zone).dt.date

    def keep(frame: pd.DataFrame, when: str) -> pd.DataFrame:
        days = local_day(frame[when])
        mask = (days >= day_from) & (days <= day_to)
        if stores is not None:
            mask &= frame["customer_id"].map(home).isin(stores)
        return frame[mask]

    actions = keep(f["rule_actions"], "at")
    sent = keep(f["notifications"][f["notifications"]["status"] == "sent"], "created_at")
    redeemed = keep(f["coupons"][f["coupons"]["status"] == "redeemed"], "granted_at")
    orders = orders_with_days(data)
    if stores is not None:
        orders = orders[orders["store_id"].isin(stores)]
    out = {}
    for rule in sorted(set(actions["rule_id"])):
        acted = actions[actions["rule_id"] == rule].merge(orders, on="customer_id")
        placed = pd.to_datetime(acted["placed_at"], utc=True)
        hit = acted[
            (placed >= pd.to_datetime(acted["at"], utc=True))
            & (placed < pd.to_datetime(acted["attribution_until"], utc=True))
        ]
        hit = hit.drop_duplicates("id")
        out[rule] = (
            int((actions["rule_id"] == rule).sum()),
            int((sent["rule_id"] == rule).sum()),
            int((redeemed["rule_id"] == rule).sum()),
            len(hit),
            int(hit["total_fen"].sum()),
        )
    return out
