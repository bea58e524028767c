"""The order feed: reacts to ``order_events`` (at least once) through a stored cursor.

Each batch, in one transaction: read the events after the cursor, earn / reverse / refund
points, release coupons of cancelled orders, run event rules (late delivery), refresh the
affected customers' figures and scores, and move the cursor. Every effect has a unique key,
so a batch that is replayed after a crash changes nothing.

Event ids come from a sequence, and a transaction that took an id may commit after one that
took a later id. Ids skipped over are kept as "gaps" and read again until they appear or
``GAP_TIMEOUT_S`` has passed (a rolled-back transaction never fills its gap).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlmodel import Session

from hub.crm.api import CrmConfig, get_state, load_config, put_state, refresh_and_score
from hub.kernel.job_lock import try_transaction_lock
from hub.kernel.sql_dialect import set_local_work_mem
from hub.loyalty.api import earn_for_order, refund_for_order, reverse_for_order
from hub.marketing.coupons import coupons
from hub.marketing.late_rules import late_rules, react_to_lateness
from hub.marketing.rule_runner import RuleSpec
from hub.orders.api import Order, OrderEvent

logger = logging.getLogger(__name__)

orders = Order.__table__  # type: ignore[attr-defined]
events = OrderEvent.__table__  # type: ignore[attr-defined]

FEED_KEY = "order_feed"
GAP_TIMEOUT_S = 120.0
MAX_GAPS = 5000
STATS_EVENTS = frozenset({"order.placed", "order.status_changed", "order.refunded"})
"""(``order.imported``: the import refreshes its customers in its own transactions.)"""
CLOSED_UNPAID = frozenset({"cancelled", "failed"})


@dataclass(frozen=True)
class _Batch:
    now: datetime
    default_tz: str
    config: CrmConfig
    late_rules: list[RuleSpec]


@dataclass
class FeedResult:
    events: int = 0
    customers: int = 0
    by_type: dict[str, int] = field(default_factory=dict)


def release_coupons(session: Session, order_id: str, at: datetime) -> int:
    """A cancelled order gives its coupon back (still bound by its validity)."""
    result = session.execute(
        update(coupons)
        .where(coupons.c.order_id == order_id, coupons.c.status == "redeemed")
        .values(status="available", order_id=None, discount_fen=None, redeemed_at=None, released_at=at)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _apply(session: Session, event: Any, order: Any, batch: _Batch) -> None:
    now, config = batch.now, batch.config
    data = dict(event.data or {})
    if event.type == "order.placed":
        earn_for_order(session, order, config, now)
    elif event.type == "order.status_changed" and data.get("to") in CLOSED_UNPAID:
        reverse_for_order(session, order, now)
        release_coupons(session, order.id, now)
    elif event.type == "order.refunded":
        amount = data.get("amount_fen")
        refund_for_order(session, order, event.id, int(amount) if isinstance(amount, int) else None, now)
    if event.type in ("delivery.late", "order.status_changed"):
        react_to_lateness(session, event, order, specs=batch.late_rules, now=now, default_tz=batch.default_tz)


def consume_batch(session: Session, *, now: datetime, default_tz: str, batch_size: int = 500) -> FeedResult:
    """One batch of order events; the caller commits. Another hub process holding the feed: nothing."""
    result = FeedResult()
    if not try_transaction_lock(session, "order-feed"):
        return result
    set_local_work_mem(session, 64)
    cursor = get_state(session, FEED_KEY) or {"last_id": 0, "gaps": []}
    last_id = int(cursor.get("last_id", 0))
    gaps: dict[int, float] = {int(i): float(t) for i, t in cursor.get("gaps", [])}
    where = events.c.id > last_id
    if gaps:
        where = or_(where, events.c.id.in_(sorted(gaps)))
    rows = session.execute(
        select(events.c.id, events.c.order_id, events.c.type, events.c.data, events.c.at)
        .where(where)
        .order_by(events.c.id)
        .limit(batch_size)
    ).all()
    if not rows and not gaps:
        return result
    order_rows = {
        o.id: o for o in session.execute(select(orders).where(orders.c.id.in_(sorted({r.order_id for r in rows}))))
    }
    batch = _Batch(now, default_tz, load_config(session), late_rules(session))
    dirty: set[str] = set()
    for event in rows:
        order = order_rows.get(event.order_id)
        result.by_type[event.type] = result.by_type.get(event.type, 0) + 1
        if order is None:
            continue
        _apply(session, event, order, batch)
        if event.type in STATS_EVENTS and order.customer_id is not None:
            dirty.add(order.customer_id)
    refresh_and_score(session, sorted(dirty), now=now, default_tz=default_tz)
    seen = {r.id for r in rows}
    high = max([last_id, *seen])
    stamp = now.timestamp()
    for missing in range(last_id + 1, high):
        if missing not in seen and len(gaps) < MAX_GAPS:
            gaps.setdefault(missing, stamp)
    kept = [[i, t] for i, t in sorted(gaps.items()) if i not in seen and stamp - t < GAP_TIMEOUT_S]
    if len(kept) < len(gaps) - len(seen & set(gaps)):
        logger.info("order feed: %d event ids never appeared; assumed rolled back", len(gaps) - len(kept))
    put_state(session, FEED_KEY, {"last_id": high, "gaps": kept})
    result.events = len(rows)
    result.customers = len(dirty)
    return result


def drain(
    session_factory: Any, *, now: datetime, default_tz: str, batch_size: int = 500, max_batches: int = 100
) -> int:
    """Consume until caught up (or ``max_batches``), one transaction per batch. Events handled."""
    total = 0
    for _ in range(max_batches):
        with session_factory() as session:
            result = consume_batch(session, now=now, default_tz=default_tz, batch_size=batch_size)
            session.commit()
        total += result.events
        if result.events < batch_size:
            break
    return total
