"""The cut-off's routes on the riders' bikes: each non-empty route of the day is given to one of the store's
riders and pushed to that rider as a retained ``RiderRoute`` on its round topic (apart from its order
route, which the cut-off must not replace) through the outbox, in the day's transaction.

The rule: the store's active riders ordered by id; ``route-n`` goes to the n-th of them. A route beyond
the number of riders stays unassigned (its deliveries keep ``rider_id`` empty) and is reported in the day's
answer and the log. Running the day again gives the same routes to the same riders and pushes them again;
when the riders changed in between (one was deactivated), a rider who had a route of that day and has none
now gets an empty route, so the bike stops showing stops that are someone else's.

Each stop is ``sub:<delivery id>`` (see ``hub.delivery.api.other_stop_id``); the rider's delivered / failed
report on it comes back through ``hub.subscriptions.rider_reports``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlmodel import Session, col

from contracts import topics
from contracts.base import replace_control_characters
from contracts.rider import RiderRoute, RouteStop
from hub.crm.api import customers_table, mask_name
from hub.delivery.api import other_stop_id, riders_table
from hub.kernel.messaging import Messaging
from hub.outbox.writer import enqueue
from hub.subscriptions import codec
from hub.subscriptions.round_times import Place, TimedStop, stop_etas
from hub.subscriptions.routes import DayRoute
from hub.subscriptions.tables import SubscriptionAddress, SubscriptionDelivery, SubscriptionStoreSettings

logger = logging.getLogger(__name__)
deliveries_table = SubscriptionDelivery.__table__  # type: ignore[attr-defined]
STOP_OWNER = "sub"
"""The owner part of a subscription stop's id on the rider's route (``sub:<delivery id>``)."""


@dataclass(frozen=True)
class RouteAssignment:
    route_id: str
    rider_id: str | None
    """None: the store has fewer active riders than routes; nothing was pushed."""
    stops: int


def stop_id(delivery_id: int) -> str:
    return other_stop_id(STOP_OWNER, str(delivery_id))


def active_riders(session: Session, store_id: str) -> list[str]:
    stmt = (
        select(riders_table.c.id)
        .where(riders_table.c.store_id == store_id, riders_table.c.active.is_(True))
        .order_by(riders_table.c.id)
    )
    return list(session.execute(stmt).scalars())


def assign_routes(
    session: Session,
    settings: SubscriptionStoreSettings,
    business_date: date,
    routes: Sequence[DayRoute],
    messaging: Messaging,
    now: datetime,
    depot: Place,
) -> list[RouteAssignment]:
    """Give each non-empty route to its rider, store it on the deliveries and enqueue the rider's route."""
    riders = active_riders(session, settings.store_id)
    had_a_route = _riders_of_the_day(session, settings.store_id, business_date)
    assignments: list[RouteAssignment] = []
    for n, route in enumerate(routes):
        if not route.stop_ids:
            continue
        rider_id = riders[n] if n < len(riders) else None
        session.execute(
            update(deliveries_table)
            .where(
                deliveries_table.c.store_id == settings.store_id,
                deliveries_table.c.business_date == business_date,
                deliveries_table.c.route_id == route.route_id,
            )
            .values(rider_id=rider_id)
        )
        assignments.append(RouteAssignment(route.route_id, rider_id, len(route.stop_ids)))
        if rider_id is None:
            logger.warning(
                "store %s: %s of %s (%d stops) has no rider: %d active riders for %d routes",
                settings.store_id,
                route.route_id,
                business_date,
                len(route.stop_ids),
                len(riders),
                len(routes),
            )
            continue
        message = route_message(session, settings, business_date, route.route_id, rider_id, now, depot)
        enqueue(session, topics.RIDER_ROUND, message, root=messaging.root, source=messaging.source, rider_id=rider_id)
        logger.info(
            "store %s: %s of %s (%d stops) pushed to rider %s",
            settings.store_id,
            route.route_id,
            business_date,
            len(message.stops),
            rider_id,
        )
    for rider_id in sorted(had_a_route - {a.rider_id for a in assignments if a.rider_id}):
        released = RiderRoute(
            rider_id=rider_id, plan_id=f"sub-{business_date:%Y%m%d}-none", version=1, planned_at=now, stops=()
        )
        enqueue(session, topics.RIDER_ROUND, released, root=messaging.root, source=messaging.source, rider_id=rider_id)
        logger.info("store %s: rider %s has no route of %s any more", settings.store_id, rider_id, business_date)
    return assignments


def _riders_of_the_day(session: Session, store_id: str, business_date: date) -> set[str]:
    """Riders the day's routes were given to by an earlier run (read before this run reassigns them)."""
    stmt = (
        select(deliveries_table.c.rider_id)
        .where(
            deliveries_table.c.store_id == store_id,
            deliveries_table.c.business_date == business_date,
            deliveries_table.c.rider_id.is_not(None),
        )
        .distinct()
    )
    return set(session.execute(stmt).scalars())


def route_message(
    session: Session,
    settings: SubscriptionStoreSettings,
    business_date: date,
    route_id: str,
    rider_id: str,
    now: datetime,
    depot: Place,
) -> RiderRoute:
    """The rider's route as stored: stops in visiting order with the address, window, instructions and
    the ETA of each (``round_times``)."""
    rows = session.execute(
        select(SubscriptionDelivery, SubscriptionAddress, customers_table.c.display_name)
        .join(SubscriptionAddress, col(SubscriptionAddress.id) == col(SubscriptionDelivery.address_id), isouter=True)
        .join(customers_table, customers_table.c.id == col(SubscriptionDelivery.customer_id), isouter=True)
        .where(
            col(SubscriptionDelivery.store_id) == settings.store_id,
            col(SubscriptionDelivery.business_date) == business_date,
            col(SubscriptionDelivery.route_id) == route_id,
        )
        .order_by(col(SubscriptionDelivery.sequence), col(SubscriptionDelivery.id))
    ).all()
    zone = ZoneInfo(settings.zone)
    windows = []
    for row, address, _name in rows:
        window = codec.window_from(row.window)
        opens = datetime.combine(business_date, window.start, tzinfo=zone).astimezone(UTC)
        closes = datetime.combine(business_date, window.end, tzinfo=zone).astimezone(UTC)
        windows.append((opens, closes, (address.lat, address.lon) if address is not None else depot))
    etas = stop_etas(depot, [TimedStop(place, opens) for opens, _closes, place in windows], zone)
    stops = []
    for n, ((row, address, name), (opens, closes, _place), eta) in enumerate(zip(rows, windows, etas, strict=True), 1):
        assert row.id is not None
        stops.append(
            RouteStop(
                stop_id=stop_id(row.id),
                order_id=stop_id(row.id),
                sequence=n,
                address=_text(address.line if address is not None else "", 2000),
                lat=address.lat if address is not None else 0.0,
                lon=address.lon if address is not None else 0.0,
                window_start=opens,
                window_end=closes,
                eta=eta,
                notes=_text(_notes(row), 2000) or None,
                customer_display=(_text(mask_name(name), 200) or None) if name else None,
            )
        )
    return RiderRoute(
        rider_id=rider_id,
        plan_id=f"sub-{business_date:%Y%m%d}-{route_id}"[:64],
        version=1,
        planned_at=now,
        stops=tuple(stops),
    )


def _text(value: str, limit: int) -> str:
    """Text typed elsewhere (an import, an old row) must not stop the cut-off: control characters become
    spaces or U+FFFD, and it is cut to the contract's length."""
    return replace_control_characters(value)[:limit]


def _notes(row: SubscriptionDelivery) -> str:
    """The customer's instructions, then what to leave: ``放门口保温箱 · 2 × 鲜牛奶 250 ml, 1 × 酸奶`` (one line:
    it is a cell on the rider's screen)."""
    items = ", ".join(f"{i['quantity']} × {i['name']}" for i in row.items)
    return " · ".join(part for part in (row.instructions.strip(), items) if part)
