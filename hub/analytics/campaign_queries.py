"""The campaign funnel per automation rule: targeted, sent, redeemed and attributed revenue.

Rules act chain-wide, so their period is read in the hub's default zone: actions, messages and
coupons created on the scope's local days there. A store-scoped caller sees the funnel of the
customers whose home store is theirs, and the revenue those customers brought to their stores.
Attributed: counted orders a targeted customer placed from the action until its attribution end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, exists, func, literal, select, true

from hub.analytics import sources as src
from hub.analytics.local_days import in_stores
from hub.analytics.scope import Scope
from hub.db_types import UTCDateTime
from hub.kernel.sql_dialect import AnyConn


@dataclass(frozen=True)
class CampaignFunnel:
    rule_id: str
    name: str
    targeted: int
    sent: int
    redeemed: int
    attributed_orders: int
    attributed_revenue_fen: int


def _window(scope: Scope, zone: str) -> tuple[Any, Any]:
    tz = ZoneInfo(zone)
    start = datetime.combine(scope.day_from, time(), tz)
    end = datetime.combine(scope.day_to + timedelta(days=1), time(), tz)
    return literal(start, UTCDateTime), literal(end, UTCDateTime)


def _customer_in_scope(scope: Scope, customer_id: Any) -> ColumnElement[bool]:
    if scope.store_ids is None:
        return true()
    return exists().where(src.customers.c.id == customer_id, in_stores(scope, src.customers.c.home_store_id))


def campaign_funnel(conn: AnyConn, scope: Scope, *, zone: str) -> list[CampaignFunnel]:
    start, end = _window(scope, zone)
    a, n, c, o = src.rule_actions.c, src.notifications.c, src.coupons.c, src.orders.c

    def per_rule(query: Any) -> dict[str, int]:
        return {rule: int(v) for rule, v in conn.execute(query)}

    targeted = per_rule(
        select(a.rule_id, func.count())
        .where(a.at >= start, a.at < end, _customer_in_scope(scope, a.customer_id))
        .group_by(a.rule_id)
    )
    sent = per_rule(
        select(n.rule_id, func.count())
        .where(
            n.rule_id.is_not(None),
            n.status == "sent",
            n.created_at >= start,
            n.created_at < end,
            _customer_in_scope(scope, n.customer_id),
        )
        .group_by(n.rule_id)
    )
    redeemed = per_rule(
        select(c.rule_id, func.count())
        .where(
            c.rule_id.is_not(None),
            c.status == "redeemed",
            c.granted_at >= start,
            c.granted_at < end,
            _customer_in_scope(scope, c.customer_id),
        )
        .group_by(c.rule_id)
    )
    acted = src.rule_actions.alias("acted")
    attributed_orders = (
        select(acted.c.rule_id.label("rule_id"), o.id.label("order_id"), o.total_fen.label("total_fen"))
        .select_from(acted.join(src.orders, o.customer_id == acted.c.customer_id))
        .where(
            acted.c.at >= start,
            acted.c.at < end,
            _customer_in_scope(scope, acted.c.customer_id),
            o.status.not_in(src.NOT_COUNTED),
            in_stores(scope, o.store_id),
            and_(o.placed_at >= acted.c.at, o.placed_at < acted.c.attribution_until),
        )
        .distinct()
        .subquery("attributed")
    )
    money = {
        rule: (int(k), int(v))
        for rule, k, v in conn.execute(
            select(
                attributed_orders.c.rule_id, func.count(), func.coalesce(func.sum(attributed_orders.c.total_fen), 0)
            ).group_by(attributed_orders.c.rule_id)
        )
    }
    names = dict(conn.execute(select(src.rules.c.id, src.rules.c.name)).all())
    ids = sorted(set(targeted) | set(sent) | set(redeemed) | set(money))
    return [
        CampaignFunnel(
            rule_id=rule,
            name=str(names.get(rule, rule)),
            targeted=targeted.get(rule, 0),
            sent=sent.get(rule, 0),
            redeemed=redeemed.get(rule, 0),
            attributed_orders=money.get(rule, (0, 0))[0],
            attributed_revenue_fen=money.get(rule, (0, 0))[1],
        )
        for rule in ids
    ]
