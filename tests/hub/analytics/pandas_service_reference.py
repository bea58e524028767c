"""Renewal rate and SLA compliance computed independently with pandas from the generated rows."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd

from tests.hub.analytics.generated_data import STORES, Generated

DEFAULT_ZONE = "Asia/Shanghai"


def renewals(
    data: Generated, stores: list[str] | None, day_from: date, day_to: date, now: datetime
) -> dict[str, tuple[int, int, int]]:
    """Per store: (due, renewed, automatic)."""
    terms = pd.DataFrame(data.rows["subscription_terms"])
    following = terms[["subscription_id", "seq", "automatic"]].copy()
    following["seq"] -= 1
    merged = terms.merge(following, on=["subscription_id", "seq"], how="left", suffixes=("", "_next"))
    today = merged["store_id"].map({s: pd.Timestamp(now).tz_convert(z).date() for s, z in STORES.items()})
    due = merged[(merged["term_end"] >= day_from) & (merged["term_end"] <= day_to) & (merged["term_end"] < today)]
    if stores is not None:
        due = due[due["store_id"].isin(stores)]
    out: dict[str, tuple[int, int, int]] = {}
    for store, group in due.groupby("store_id"):
        renewed = group["automatic_next"].notna()
        automatic = group["automatic_next"].fillna(False).astype(bool)
        out[str(store)] = (len(group), int(renewed.sum()), int(automatic.sum()))
    return out


def sla(
    data: Generated, stores: list[str] | None, day_from: date, day_to: date
) -> dict[str | None, tuple[int, int, dict[str, int]]]:
    """Per store (None: tickets of no store): (tickets, breached, {target: tickets breaching it})."""
    tickets = pd.DataFrame(data.rows["service_tickets"])
    events = pd.DataFrame(data.rows["service_sla_events"])
    opened = pd.to_datetime(tickets["created_at"], utc=True)
    zones = tickets["store_id"].map(lambda s: STORES.get(s, DEFAULT_ZONE) if isinstance(s, str) else DEFAULT_ZONE)
    tickets["day"] = [ts.tz_convert(z).date() for ts, z in zip(opened, zones, strict=True)]
    chosen = tickets[(tickets["day"] >= day_from) & (tickets["day"] <= day_to)]
    if stores is not None:
        chosen = chosen[chosen["store_id"].isin(stores)]
    breaches = events[events["kind"] == "breached"]
    out: dict[str | None, tuple[int, int, dict[str, int]]] = {}
    for store, group in chosen.groupby(chosen["store_id"].fillna("<none>")):
        mine = breaches[breaches["ticket_id"].isin(group["id"])]
        per_target: dict[str, int] = {str(t): int(n) for t, n in mine.groupby("target")["ticket_id"].nunique().items()}
        key: Any = None if store == "<none>" else str(store)
        out[key] = (len(group), int(mine["ticket_id"].nunique()), per_target)
    return out
