"""Tags: manual ones staff add, and rule tags recomputed from the figures in the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, literal, or_, select
from sqlalchemy.engine import Connection
from sqlmodel import Session

from hub.crm.config import CrmConfig
from hub.crm.profile_tables import CustomerAddress, CustomerTag
from hub.crm.stats_tables import CustomerStats
from hub.db_types import UTCDateTime
from hub.kernel.sql_dialect import execute_count, insert_for, one_of, refresh_planner_stats

stats = CustomerStats.__table__  # type: ignore[attr-defined]
tags = CustomerTag.__table__  # type: ignore[attr-defined]
addresses = CustomerAddress.__table__  # type: ignore[attr-defined]

RULE_TAGS = {
    "night_owl": "夜宵党: at least night_share_pct% of orders placed at night (local time)",
    "promo_sensitive": "优惠敏感: at least promo_share_pct% of orders used a coupon or points",
    "office_address": "办公地址: a saved or delivery address looks like an office (office_keywords)",
}
TAG_PATTERN = r"^[^\s,;]{1,64}$"
BULK_ROWS = 10_000
"""A whole-population pass that adds more tags than this refreshes the planner's statistics."""


def _share(part: Any, pct: int, config: CrmConfig) -> ColumnElement[bool]:
    return and_(stats.c.orders_count >= config.tag_min_orders, part * 100 >= stats.c.orders_count * pct)


def _saved_office_address(config: CrmConfig) -> ColumnElement[bool]:
    words = [w for w in config.office_keywords if w.strip()]
    if not words:
        return literal(False)
    return exists().where(
        addresses.c.customer_id == stats.c.customer_id,
        or_(*[addresses.c.address.contains(w, autoescape=True) for w in words]),
    )


def rule_conditions(config: CrmConfig) -> dict[str, ColumnElement[bool]]:
    return {
        "night_owl": _share(stats.c.night_orders, config.night_share_pct, config),
        "promo_sensitive": _share(stats.c.discounted_orders, config.promo_share_pct, config),
        "office_address": or_(stats.c.office_orders > 0, _saved_office_address(config)),
    }


def recompute_rule_tags(
    conn: Connection | Session, *, now: datetime, config: CrmConfig, only: Sequence[str] | None = None
) -> dict[str, int]:
    """Add rule tags to customers who now qualify and remove them from those who no longer do.

    Both statements are anti-joins that touch only the rows that change. Tags added, per tag.
    """
    counts: dict[str, int] = {}
    ids = sorted(set(only)) if only is not None else None
    if ids is not None and not ids:
        return counts
    if ids is None:  # everyone: the figures may have just been rebuilt in this transaction
        refresh_planner_stats(conn, stats.name, tags.name)
    for tag, condition in rule_conditions(config).items():
        held = tags.alias("held")
        stale = ~exists().where(stats.c.customer_id == tags.c.customer_id, condition)
        removed = delete(tags).where(tags.c.tag == tag, tags.c.source == "rule", stale)
        if ids is not None:
            removed = removed.where(one_of(conn, tags.c.customer_id, ids))
        execute_count(conn, removed)
        qualifying = select(stats.c.customer_id, literal(tag), literal("rule"), literal(now, UTCDateTime)).where(
            condition, ~exists().where(held.c.customer_id == stats.c.customer_id, held.c.tag == tag)
        )
        if ids is not None:
            qualifying = qualifying.where(one_of(conn, stats.c.customer_id, ids))
        insert = insert_for(conn)(tags).from_select(["customer_id", "tag", "source", "created_at"], qualifying)
        counts[tag] = execute_count(conn, insert.on_conflict_do_nothing())
        if ids is None and counts[tag] > BULK_ROWS:
            refresh_planner_stats(conn, tags.name)  # the next tag's anti-join reads this table
    return counts
