"""A store's daily run at its cut-off: tomorrow's deliveries (once per subscription and date), their
routes (each given to a rider and pushed to the bike, ``rider_routes``) and the depot's pick list. The
caller opens the transaction and commits once."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, or_, select, update
from sqlmodel import Session, col

from hub.kernel.messaging import Messaging
from hub.kernel.sql_dialect import insert_for
from hub.stores.api import stores_table
from hub.subscriptions import codec, service
from hub.subscriptions.generation import DeliveryKey, GeneratedDelivery, run_generation
from hub.subscriptions.pick_list import PickList, build_pick_list
from hub.subscriptions.plans import PlanItem
from hub.subscriptions.rider_routes import RouteAssignment, assign_routes
from hub.subscriptions.routes import DayRoute, RouteStopIn, plan_day
from hub.subscriptions.schedule import Subscription
from hub.subscriptions.tables import (
    SubscriptionAddress,
    SubscriptionDelivery,
    SubscriptionPlanRecord,
    SubscriptionRecord,
)

logger = logging.getLogger(__name__)
deliveries_table = SubscriptionDelivery.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class DayRun:
    store_id: str
    business_date: date
    generated: int
    due: tuple[GeneratedDelivery, ...]
    routes: tuple[DayRoute, ...]
    pick_list: PickList
    assignments: tuple[RouteAssignment, ...] = ()
    """The non-empty routes and their riders (None: no rider left for it)."""

    @property
    def unassigned_routes(self) -> tuple[str, ...]:
        return tuple(a.route_id for a in self.assignments if a.rider_id is None)


def active_subscriptions(session: Session, store_id: str, business_date: date) -> list[Subscription]:
    plans = {r.id: service.domain_plan(r) for r in session.execute(select(SubscriptionPlanRecord)).scalars()}
    calendar = service.calendar_of(service.store_settings(session, store_id))
    stmt = select(SubscriptionRecord).where(
        col(SubscriptionRecord.store_id) == store_id,
        col(SubscriptionRecord.start) <= business_date,
        or_(col(SubscriptionRecord.cancelled_from).is_(None), col(SubscriptionRecord.cancelled_from) > business_date),
    )
    return [
        codec.subscription_from(
            subscription_id=r.id,
            customer_id=r.customer_id,
            store_id=r.store_id,
            plan=plans[r.plan_id],
            store=calendar,
            start=r.start,
            facts=r.facts,
        )
        for r in session.execute(stmt).scalars()
    ]


def existing_keys(session: Session, store_id: str, business_date: date) -> set[DeliveryKey]:
    stmt = select(col(SubscriptionDelivery.subscription_id)).where(
        col(SubscriptionDelivery.store_id) == store_id, col(SubscriptionDelivery.business_date) == business_date
    )
    return {DeliveryKey(sid, business_date) for sid in session.execute(stmt).scalars()}


def _row(d: GeneratedDelivery, now: datetime, placed: tuple[str, int] | None) -> dict[str, object]:
    return {
        "route_id": placed[0] if placed else None,
        "sequence": placed[1] if placed else None,
        "subscription_id": d.key.subscription_id,
        "business_date": d.business_date,
        "store_id": d.store_id,
        "customer_id": d.customer_id,
        "address_id": d.address_id,
        "window": d.window.describe(),
        "items": codec.items_json(d.items),
        "instructions": d.instructions,
        "amount_fen": d.amount_fen,
        "plan_deliveries": d.plan_deliveries,
        "outcome": "pending",
        "generated_at": now,
        "finished_by": "",
    }


def store_depot(session: Session, store_id: str) -> tuple[float, float]:
    stores = stores_table
    row = session.execute(select(stores.c.lat, stores.c.lon).where(stores.c.id == store_id)).first()
    if row is None or row[0] is None or row[1] is None:
        return (0.0, 0.0)
    return (float(row[0]), float(row[1]))


def places(session: Session, address_ids: Iterable[str]) -> dict[str, tuple[float, float]]:
    wanted = set(address_ids)
    found: dict[str, tuple[float, float]] = {}
    ids = sorted(wanted)
    for i in range(0, len(ids), 5000):
        stmt = select(col(SubscriptionAddress.id), col(SubscriptionAddress.lat), col(SubscriptionAddress.lon)).where(
            col(SubscriptionAddress.id).in_(ids[i : i + 5000])
        )
        found.update({a: (lat, lon) for a, lat, lon in session.execute(stmt).all()})
    return found


def run_day(
    session: Session, store_id: str, now: datetime, messaging: Messaging, *, seconds_per_leg: float = 0.01
) -> DayRun:
    """Generate the business date frozen at ``now``, plan its routes, give them to the riders (their routes
    go out through ``messaging``'s outbox) and list what to pick."""
    settings = service.store_settings(session, store_id)
    calendar = service.calendar_of(settings)
    business_date = calendar.generation_date(now)
    subs = active_subscriptions(session, store_id, business_date)
    existing = existing_keys(session, store_id, business_date)
    run = run_generation(store_id=store_id, store=calendar, now=now, subscriptions=subs, existing=existing)
    due_keys = {d.key for d in run.due}
    # A frozen date cannot change, so what is due now is what was stored; the stored rows win otherwise.
    due = list(run.due) if existing <= due_keys else stored_deliveries(session, store_id, business_date)
    where = places(session, (d.address_id for d in due))
    depot = store_depot(session, store_id)
    stops = [RouteStopIn(d.key.as_text(), where.get(d.address_id, depot)) for d in due]
    routes = tuple(plan_day(depot, stops, settings.route_count, seconds_per_leg=seconds_per_leg))
    placed: dict[DeliveryKey, tuple[str, int]] = {}
    by_text = {d.key.as_text(): d.key for d in due}
    for route in routes:
        for n, stop_id in enumerate(route.stop_ids, start=1):
            placed[by_text[stop_id]] = (route.route_id, n)
    if run.new:
        rows = [_row(d, now, placed.get(d.key)) for d in run.new]
        insert = insert_for(session)(deliveries_table).on_conflict_do_nothing(
            index_elements=["subscription_id", "business_date"]
        )
        for i in range(0, len(rows), 2000):
            session.execute(insert, rows[i : i + 2000])
    updates = [
        {"k_sub": key.subscription_id, "k_route": route_id, "k_seq": n}
        for key, (route_id, n) in placed.items()
        if key in existing
    ]
    if updates:  # a second run re-plans the routes of what was generated before
        stmt = (
            update(deliveries_table)
            .where(
                deliveries_table.c.subscription_id == bindparam("k_sub"),
                deliveries_table.c.business_date == business_date,
            )
            .values(route_id=bindparam("k_route"), sequence=bindparam("k_seq"))
        )
        session.connection().execute(stmt, updates)
    route_of = {key: route_id for key, (route_id, _n) in placed.items()}
    settings.last_generated = business_date
    session.add(settings)
    session.flush()
    assignments = tuple(assign_routes(session, settings, business_date, routes, messaging, now, depot))
    pick = build_pick_list(store_id, business_date, due, route_of)
    day = DayRun(store_id, business_date, len(run.new), tuple(due), routes, pick, assignments)
    logger.info(
        "store %s: %d deliveries for %s (%d new), %d routes, %d pushed to riders, unassigned: %s",
        store_id,
        len(due),
        business_date,
        len(run.new),
        len(routes),
        len(assignments) - len(day.unassigned_routes),
        ", ".join(day.unassigned_routes) or "none",
    )
    return day


def stored_deliveries(session: Session, store_id: str, business_date: date) -> list[GeneratedDelivery]:
    """The date's generated deliveries as stored (what riders and the pick list go by)."""
    stmt = select(SubscriptionDelivery).where(
        col(SubscriptionDelivery.store_id) == store_id, col(SubscriptionDelivery.business_date) == business_date
    )
    result = []
    for r in session.execute(stmt.order_by(col(SubscriptionDelivery.subscription_id))).scalars():
        result.append(
            GeneratedDelivery(
                key=DeliveryKey(r.subscription_id, r.business_date),
                store_id=r.store_id,
                customer_id=r.customer_id,
                address_id=r.address_id,
                window=codec.window_from(r.window),
                items=tuple(PlanItem(i["sku"], i["name"], i["quantity"], i["unit_price_fen"]) for i in r.items),
                instructions=r.instructions,
                plan_deliveries=r.plan_deliveries,
                why=(),
            )
        )
    return result


def pick_list_of(session: Session, store_id: str, business_date: date) -> PickList:
    due = stored_deliveries(session, store_id, business_date)
    stmt = select(col(SubscriptionDelivery.subscription_id), col(SubscriptionDelivery.route_id)).where(
        col(SubscriptionDelivery.store_id) == store_id, col(SubscriptionDelivery.business_date) == business_date
    )
    route_of = {DeliveryKey(s, business_date): r for s, r in session.execute(stmt).all() if r is not None}
    return build_pick_list(store_id, business_date, due, route_of)
