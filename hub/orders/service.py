"""Placing orders and moving them through their states.

The intake path is written with Core statements on the session's connection: one transaction
holds the order, its lines, its first event, the customer's identities and (through ``OrderPlaced``,
which the kitchen handles on the same session) one ticket and outbox row per kitchen station.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session

from hub.customers.api import mask_name, resolve_customer
from hub.db_types import new_id, utcnow
from hub.errors import DomainError, Forbidden, InvalidInput, NotFound
from hub.kernel.geo import to_wgs84
from hub.kernel.messaging import Messaging
from hub.kernel.principal import Principal
from hub.kernel.roles import Role
from hub.orders.domain import Fulfilment, OrderStatus, check_transition, order_number_for
from hub.orders.events import LineForKitchen, OrderCancelled, OrderForKitchen, OrderPlaced
from hub.orders.idempotency import check_same_request, key_scope, request_fingerprint
from hub.orders.order_times import check_order_times
from hub.orders.order_writes import NewOrder, write_order
from hub.orders.redemption import REDEEM_AT_PLACEMENT, RedemptionRequest
from hub.orders.schemas import OrderIn, OrderLineOut, OrderOut
from hub.orders.tables import Order, OrderEvent, OrderLine
from hub.stores.api import (
    PricedLine,
    PricedOrder,
    RequestedLine,
    StoreCatalogs,
    price_lines,
    stations_table,
    stores_table,
)

orders = Order.__table__  # type: ignore[attr-defined]
order_lines = OrderLine.__table__  # type: ignore[attr-defined]
order_events = OrderEvent.__table__  # type: ignore[attr-defined]
stations = stations_table
stores = stores_table


STORE_POS_CHANNEL = "store-pos"
"""Orders the store's edge agent took itself (for instance while the hub was unreachable)."""


def channel_for(principal: Principal, requested: str | None) -> str:
    if principal.kind == "device":
        return STORE_POS_CHANNEL
    if principal.kind == "api_key":
        assert principal.channel is not None
        if requested is not None and requested != principal.channel:
            raise Forbidden(f"this API key places orders for channel {principal.channel!r} only")
        return principal.channel
    if principal.role not in (Role.ADMIN, Role.OPERATOR, Role.STORE_MANAGER):
        raise Forbidden(f"the {principal.role} role may not place orders")
    return requested or "manual"


@dataclass(frozen=True)
class Placed:
    order_id: str
    created: bool
    view: OrderOut | None = None
    """The new order as written (no need to read it back); None for a replayed key."""


def _placed_view(values: dict[str, Any], line_rows: list[dict[str, Any]]) -> OrderOut:
    lines = [
        OrderLineOut(**{k: r[k] for k in OrderLineOut.model_fields if k != "cancelled"}, cancelled=False)
        for r in line_rows
    ]
    return OrderOut(**{k: values[k] for k in OrderOut.model_fields if k != "lines"}, lines=lines)


def find_by_key(session: Session, channel: str, scope: str, external_id: str) -> tuple[str, str | None] | None:
    """(order id, request fingerprint) of the order placed with this key, if any."""
    row = session.execute(
        select(orders.c.id, orders.c.request_hash).where(
            orders.c.channel == channel, orders.c.key_scope == scope, orders.c.external_id == external_id
        )
    ).first()
    return None if row is None else (row.id, row.request_hash)


def _replayed(session: Session, channel: str, scope: str, external_id: str, fingerprint: str) -> Placed | None:
    """The order this key placed, for a retry of the same request; refused for another request."""
    found = find_by_key(session, channel, scope, external_id)
    if found is None:
        return None
    check_same_request(found[1], fingerprint)
    return Placed(found[0], created=False)


def _delivery_point(body: OrderIn) -> tuple[str | None, float | None, float | None]:
    """(address, WGS-84 lat, lon) of a delivery order."""
    if body.delivery is None:
        if body.fulfilment is Fulfilment.DELIVERY:
            raise InvalidInput("a delivery order needs a delivery address")
        return None, None, None
    if (body.delivery.lat is None) != (body.delivery.lon is None):
        raise InvalidInput("give both lat and lon, or neither")
    if body.delivery.lat is not None and body.delivery.lon is not None:
        lat, lon = to_wgs84(body.delivery.lat, body.delivery.lon, body.delivery.coord_system)
        return body.delivery.address, lat, lon
    return body.delivery.address, None, None


def place_order(
    session: Session,
    principal: Principal,
    body: OrderIn,
    messaging: Messaging,
    *,
    order_id: str | None = None,
    catalogs: StoreCatalogs | None = None,
    now: datetime | None = None,
) -> Placed:
    """(order id, created). The same idempotency key (``hub.orders.idempotency``) with the same
    request always yields the first order; with another request it is refused.

    ``order_id`` is given only for orders a store took itself: their tickets already carry it.
    ``now`` is the hub's clock at the request (placed and promised times are checked against it).
    Steps: check the times, price, resolve the customer, redeem, write (order, lines, event; a key
    already taken is a replay, found then), then
    ``OrderPlaced`` (the kitchen queues its tickets and their outbox rows). Writes go into the
    caller's transaction; the caller commits.
    """
    now = now or utcnow()
    channel = channel_for(principal, body.channel)
    if not principal.sees_store(body.store_id):
        raise NotFound("no store with this id")
    scope = key_scope(channel, body.store_id)
    fingerprint = request_fingerprint(body, order_id=order_id)
    # No lookup of the key first: the order's INSERT ... ON CONFLICT on the key says whether it is new
    # (one round trip less per order). A retry is found where the write does nothing, or where a step
    # before it refuses (a retry a day late fails the time check, the coupon is already used...).
    redeems = body.coupon_code is not None or bool(body.points_to_use)
    # Undone alone when the key is taken; on PostgreSQL only the redemption needs it (the order's one
    # statement writes nothing then, and resolving a customer twice is harmless).
    attempt = session.begin_nested() if redeems or session.get_bind().dialect.name != "postgresql" else None
    try:
        check_order_times(
            now, offline=channel == STORE_POS_CHANNEL, placed_at=body.placed_at, promised_at=body.promised_at
        )
        catalog = (catalogs or StoreCatalogs(ttl_s=0)).get(session, body.store_id)
        if catalog is None:
            raise NotFound("no store with this id")
        priced = _price(body, catalog.menu)
        address, lat, lon = _delivery_point(body)
        order_id = order_id or new_id()
        customer_id = _resolve_customer(session, body, messaging, now)
        placed_data: dict[str, Any] = {}
        if redeems:
            customer_id, priced, placed_data = _redeem(
                session, principal, body, order_id, customer_id, priced, now, messaging
            )
    except DomainError:
        if attempt is not None:
            attempt.rollback()
        replayed = _replayed(session, channel, scope, body.external_id, fingerprint)
        if replayed is not None:
            return replayed
        raise

    number = body.order_number or order_number_for(order_id)
    placed_at = body.placed_at or now
    notes = "\n".join(n for n in (body.notes, body.delivery.notes if body.delivery else None) if n) or None
    values: dict[str, Any] = dict(
        id=order_id,
        store_id=body.store_id,
        channel=channel,
        external_id=body.external_id,
        key_scope=scope,
        request_hash=fingerprint,
        order_number=number,
        customer_id=customer_id,
        status=OrderStatus.RECEIVED.value,
        fulfilment=body.fulfilment.value,
        subtotal_fen=priced.subtotal_fen,
        delivery_fee_fen=priced.delivery_fee_fen,
        discount_fen=priced.discount_fen,
        total_fen=priced.total_fen,
        currency="CNY",
        notes=notes,
        delivery_address=address,
        delivery_lat=lat,
        delivery_lon=lon,
        promised_at=body.promised_at,
        placed_at=placed_at,
        updated_at=now,
        revision=1,
    )
    line_rows = _line_rows(order_id, priced)
    written = write_order(
        session,
        NewOrder(
            values=values,
            lines=line_rows,
            event_data={
                "channel": channel,
                "external_id": body.external_id,
                "total_fen": priced.total_fen,
                **placed_data,
            },
            actor=principal.label,
        ),
        at=now,
    )
    if not written:  # the key is taken: a retry, or a concurrent request with the same key won
        if attempt is not None:
            attempt.rollback()
        winner = _replayed(session, channel, scope, body.external_id, fingerprint)
        assert winner is not None
        return winner
    placed = OrderPlaced(
        order=_kitchen_order(body, catalog.name, values, line_rows),
        station_names=catalog.station_names,
        at=now,
        root=messaging.root,
        source=messaging.source,
    )
    messaging.events.publish(session, placed)
    if attempt is not None:
        attempt.commit()
    return Placed(order_id, created=True, view=_placed_view(values, line_rows))


def _price(body: OrderIn, menu: Any) -> PricedOrder:
    return price_lines(
        [RequestedLine(r.sku, r.quantity, tuple(r.modifiers), r.note) for r in body.lines],
        menu,
        delivery_fee_fen=body.delivery_fee_fen,
    )


def _resolve_customer(session: Session, body: OrderIn, messaging: Messaging, now: datetime) -> str | None:
    if body.customer is None:
        return None
    customer_id, _ = resolve_customer(
        session,
        body.customer.keys(messaging.phone_region),
        display_name=body.customer.name,
        store_id=body.store_id,
        at=now,
    )
    return customer_id


def _redeem(
    session: Session,
    principal: Principal,
    body: OrderIn,
    order_id: str,
    customer_id: str | None,
    priced: PricedOrder,
    now: datetime,
    messaging: Messaging,
) -> tuple[str | None, PricedOrder, dict[str, Any]]:
    """The coupon and points consumed in the order's transaction: (customer, priced, event data)."""
    redeem_at_placement = messaging.events.port(REDEEM_AT_PLACEMENT)
    redemption = redeem_at_placement(
        session,
        RedemptionRequest(
            order_id=order_id,
            customer_id=customer_id,
            store_id=body.store_id,
            subtotal_fen=priced.subtotal_fen,
            delivery_fee_fen=priced.delivery_fee_fen,
            coupon_code=body.coupon_code,
            points=body.points_to_use,
            at=now,
            actor=principal.label,
        ),
    )
    return (
        redemption.customer_id,
        replace(priced, discount_fen=redemption.discount_fen),
        {"coupon_id": redemption.coupon_id, "points_used": redemption.points_used},
    )


def _line_rows(order_id: str, priced: PricedOrder) -> list[dict[str, Any]]:
    return [line_row(order_id, p.line_no, p) for p in priced.lines]


def line_row(order_id: str, line_no: int, p: PricedLine) -> dict[str, Any]:
    """An ``order_lines`` row for a priced line, as it is first written."""
    return dict(
        id=new_id(),
        order_id=order_id,
        line_no=line_no,
        sku=p.sku,
        name=p.name,
        quantity=p.quantity,
        unit_price_fen=p.unit_price_fen,
        total_fen=p.total_fen,
        modifiers=list(p.modifiers),
        note=p.note,
        station_codes=list(p.station_codes),
        allergens=list(p.allergens),
        cancelled=False,
    )


def _kitchen_order(
    body: OrderIn, store_name: str, values: dict[str, Any], line_rows: list[dict[str, Any]]
) -> OrderForKitchen:
    return OrderForKitchen(
        order_id=values["id"],
        order_number=values["order_number"],
        store_id=body.store_id,
        store_name=store_name,
        channel=values["channel"],
        placed_at=values["placed_at"],
        due_at=body.promised_at,
        notes=values["notes"],
        customer_display=mask_name(body.customer.name) if body.customer and body.customer.name else None,
        lines=tuple(kitchen_line(r) for r in line_rows),
    )


def visible_order(session: Session, principal: Principal, order_id: str) -> Order:
    order = session.get(Order, order_id)
    if order is None or not principal.sees_store(order.store_id):
        raise NotFound("no order with this id")  # no id: it may be another store's
    if principal.kind == "api_key" and order.channel != principal.channel:
        raise NotFound("no order with this id")
    return order


def order_view(session: Session, order: Order) -> OrderOut:
    lines = (
        session.execute(select(order_lines).where(order_lines.c.order_id == order.id).order_by(order_lines.c.line_no))
        .mappings()
        .all()
    )
    return OrderOut(
        id=order.id,
        store_id=order.store_id,
        channel=order.channel,
        external_id=order.external_id,
        order_number=order.order_number,
        customer_id=order.customer_id,
        status=OrderStatus(order.status),
        fulfilment=order.fulfilment,
        subtotal_fen=order.subtotal_fen,
        delivery_fee_fen=order.delivery_fee_fen,
        discount_fen=order.discount_fen,
        total_fen=order.total_fen,
        currency=order.currency,
        notes=order.notes,
        delivery_address=order.delivery_address,
        delivery_lat=order.delivery_lat,
        delivery_lon=order.delivery_lon,
        placed_at=order.placed_at,
        promised_at=order.promised_at,
        revision=order.revision,
        lines=[
            OrderLineOut(
                line_no=r["line_no"],
                sku=r["sku"],
                name=r["name"],
                quantity=r["quantity"],
                unit_price_fen=r["unit_price_fen"],
                total_fen=r["total_fen"],
                modifiers=list(r["modifiers"]),
                note=r["note"],
                station_codes=list(r["station_codes"]),
                cancelled=r["cancelled"],
            )
            for r in lines
        ],
    )


def record_event(
    session: Session,
    order_id: str,
    type_: str,
    *,
    actor: str,
    at: datetime | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    session.execute(
        order_events.insert().values(order_id=order_id, type=type_, at=at or utcnow(), actor=actor, data=data or {})
    )


def lock_order(session: Session, order_id: str) -> Order | None:
    """The order, locked for update on PostgreSQL (SQLite serialises writers anyway)."""
    return session.scalars(select(Order).where(Order.id == order_id).with_for_update()).first()  # type: ignore[arg-type]


def apply_transition(
    session: Session,
    order: Order,
    target: OrderStatus,
    *,
    actor: str,
    reason: str | None = None,
    at: datetime | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Check and apply a state change with its event; the caller commits."""
    current = OrderStatus(order.status)
    check_transition(current, target, Fulfilment(order.fulfilment))
    when = at or utcnow()
    session.execute(update(orders).where(orders.c.id == order.id).values(status=target.value, updated_at=when))
    order.status = target.value
    record_event(
        session,
        order.id,
        "order.status_changed",
        actor=actor,
        at=when,
        data={"from": current.value, "to": target.value, "reason": reason, **(data or {})},
    )


def change_status(
    session: Session, principal: Principal, order_id: str, target: OrderStatus, reason: str | None, messaging: Messaging
) -> Order:
    visible_order(session, principal, order_id)
    order = lock_order(session, order_id)
    assert order is not None
    apply_transition(session, order, target, actor=principal.label, reason=reason)
    if target is OrderStatus.CANCELLED:
        _announce_cancel(session, order, messaging)
    return order


def kitchen_view(session: Session, order: Order) -> tuple[OrderForKitchen, dict[str, str]]:
    """The order as its kitchen tickets show it (live lines), and its store's station names."""
    store_name = session.execute(select(stores.c.name).where(stores.c.id == order.store_id)).scalar() or ""
    station_names = {
        r.code: r.name
        for r in session.execute(select(stations.c.code, stations.c.name).where(stations.c.store_id == order.store_id))
    }
    lines = (
        session.execute(
            select(order_lines)
            .where(
                order_lines.c.order_id == order.id,
                order_lines.c.cancelled.is_(False),
            )
            .order_by(order_lines.c.line_no)
        )
        .mappings()
        .all()
    )
    return OrderForKitchen(
        order_id=order.id,
        order_number=order.order_number,
        store_id=order.store_id,
        store_name=store_name,
        channel=order.channel,
        placed_at=order.placed_at,
        due_at=order.promised_at,
        notes=order.notes,
        customer_display=None,
        lines=tuple(kitchen_line(r) for r in lines),
    ), station_names


def kitchen_line(row: Any) -> LineForKitchen:
    """An order line row as kitchen tickets show it."""
    return LineForKitchen(
        line_id=row["id"],
        line_no=row["line_no"],
        name=row["name"],
        quantity=row["quantity"],
        modifiers=tuple(row["modifiers"]),
        allergens=tuple(row["allergens"]),
        note=row["note"],
        station_codes=tuple(row["station_codes"]),
    )


def _announce_cancel(session: Session, order: Order, messaging: Messaging) -> None:
    """A new revision, and ``OrderCancelled`` (the kitchen queues a cancel ticket per station)."""
    revision = order.revision + 1
    session.execute(update(orders).where(orders.c.id == order.id).values(revision=revision))
    order.revision = revision
    view, names = kitchen_view(session, order)
    cancelled = OrderCancelled(
        order=view, station_names=names, revision=revision, at=utcnow(), root=messaging.root, source=messaging.source
    )
    messaging.events.publish(session, cancelled)
