"""Placing orders and moving them through their states.

The intake path is written with Core statements on the session's connection: one transaction
holds the order, its lines, its first event, the customer's identities and one outbox row per
kitchen station.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from hub.auth.principal import Principal
from hub.auth.roles import Role
from hub.crm.phones import mask_name
from hub.crm.resolver import resolve_customer
from hub.db_types import new_id, utcnow
from hub.delivery.coords import to_wgs84
from hub.errors import Forbidden, InvalidInput, NotFound
from hub.kitchen.dispatch import LineForKitchen, OrderForKitchen, build_tickets
from hub.kitchen.queue import queue_new_tickets, queue_revised_tickets
from hub.marketing.redemption import redeem_at_placement
from hub.orders.domain import Fulfilment, OrderStatus, check_transition, order_number_for
from hub.orders.pricing import RequestedLine, price_lines
from hub.orders.schemas import OrderIn, OrderLineOut, OrderOut
from hub.orders.tables import Order, OrderEvent, OrderLine
from hub.stores.catalog import StoreCatalogs
from hub.stores.tables import MenuItem, Station, Store

orders = Order.__table__  # type: ignore[attr-defined]
order_lines = OrderLine.__table__  # type: ignore[attr-defined]
order_events = OrderEvent.__table__  # type: ignore[attr-defined]
menu_items = MenuItem.__table__  # type: ignore[attr-defined]
stations = Station.__table__  # type: ignore[attr-defined]
stores = Store.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Messaging:
    """Where this hub's messages go: the topic root and its envelope source."""

    root: str
    source: str
    phone_region: str = "CN"


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


def find_by_key(session: Session, channel: str, external_id: str) -> str | None:
    return session.execute(
        select(orders.c.id).where(orders.c.channel == channel, orders.c.external_id == external_id)
    ).scalar()


def place_order(
    session: Session,
    principal: Principal,
    body: OrderIn,
    messaging: Messaging,
    *,
    order_id: str | None = None,
    catalogs: StoreCatalogs | None = None,
) -> Placed:
    """(order id, created). The same (channel, external id) always yields the first order.

    ``order_id`` is given only for orders a store took itself: their tickets already carry it.
    """
    channel = channel_for(principal, body.channel)
    if not principal.sees_store(body.store_id):
        raise NotFound(f"no store {body.store_id!r}")
    existing = find_by_key(session, channel, body.external_id)
    if existing is not None:
        return Placed(existing, created=False)

    catalog = (catalogs or StoreCatalogs(ttl_s=0)).get(session, body.store_id)
    if catalog is None:
        raise NotFound(f"no store {body.store_id!r}")
    menu = catalog.menu
    priced = price_lines(
        [RequestedLine(r.sku, r.quantity, tuple(r.modifiers), r.note) for r in body.lines],
        menu,
        delivery_fee_fen=body.delivery_fee_fen,
    )
    station_names = catalog.station_names

    lat = lon = None
    address = None
    if body.delivery is not None:
        address = body.delivery.address
        if (body.delivery.lat is None) != (body.delivery.lon is None):
            raise InvalidInput("give both lat and lon, or neither")
        if body.delivery.lat is not None and body.delivery.lon is not None:
            lat, lon = to_wgs84(body.delivery.lat, body.delivery.lon, body.delivery.coord_system)
    if body.fulfilment is Fulfilment.DELIVERY and body.delivery is None:
        raise InvalidInput("a delivery order needs a delivery address")

    now = utcnow()
    customer_id = None
    if body.customer is not None:
        customer_id, _ = resolve_customer(
            session,
            body.customer.keys(messaging.phone_region),
            display_name=body.customer.name,
            store_id=body.store_id,
            at=now,
        )

    order_id = order_id or new_id()
    placed_data: dict[str, Any] = {}
    if body.coupon_code is not None or body.points_to_use:
        redemption = redeem_at_placement(
            session,
            order_id=order_id,
            customer_id=customer_id,
            store_id=body.store_id,
            subtotal_fen=priced.subtotal_fen,
            delivery_fee_fen=priced.delivery_fee_fen,
            coupon_code=body.coupon_code,
            points=body.points_to_use,
            at=now,
            actor=principal.label,
        )
        customer_id = redemption.customer_id
        priced = replace(priced, discount_fen=redemption.discount_fen)
        placed_data = {"coupon_id": redemption.coupon_id, "points_used": redemption.points_used}
    number = body.order_number or order_number_for(order_id)
    placed_at = body.placed_at or now
    notes = "\n".join(n for n in (body.notes, body.delivery.notes if body.delivery else None) if n) or None
    values: dict[str, Any] = dict(
        id=order_id,
        store_id=body.store_id,
        channel=channel,
        external_id=body.external_id,
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
    dialect_insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    inserted = session.execute(
        dialect_insert(orders)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["channel", "external_id"])
        .returning(orders.c.id)
    ).scalar()
    if inserted is None:  # a concurrent request with the same key won
        session.rollback()
        winner = find_by_key(session, channel, body.external_id)
        assert winner is not None
        return Placed(winner, created=False)

    line_rows: list[dict[str, Any]] = [
        dict(
            id=new_id(),
            order_id=order_id,
            line_no=p.line_no,
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
        for p in priced.lines
    ]
    session.execute(order_lines.insert(), line_rows)
    session.execute(
        order_events.insert().values(
            order_id=order_id,
            type="order.placed",
            at=now,
            actor=principal.label,
            data={
                "channel": channel,
                "external_id": body.external_id,
                "total_fen": priced.total_fen,
                **placed_data,
            },
        )
    )
    kitchen_order = OrderForKitchen(
        order_id=order_id,
        order_number=number,
        store_id=body.store_id,
        store_name=catalog.name,
        channel=channel,
        placed_at=placed_at,
        due_at=body.promised_at,
        notes=notes,
        customer_display=mask_name(body.customer.name) if body.customer and body.customer.name else None,
        lines=tuple(
            LineForKitchen(
                line_id=str(r["id"]),
                line_no=r["line_no"],
                name=r["name"],
                quantity=r["quantity"],
                modifiers=tuple(r["modifiers"]),
                allergens=tuple(r["allergens"]),
                note=r["note"],
                station_codes=tuple(r["station_codes"]),
            )
            for r in line_rows
        ),
    )
    queue_new_tickets(
        session, build_tickets(kitchen_order, station_names), root=messaging.root, source=messaging.source, at=now
    )
    session.commit()
    return Placed(order_id, created=True, view=_placed_view(values, line_rows))


def visible_order(session: Session, principal: Principal, order_id: str) -> Order:
    order = session.get(Order, order_id)
    if order is None or not principal.sees_store(order.store_id):
        raise NotFound(f"no order {order_id}")
    if principal.kind == "api_key" and order.channel != principal.channel:
        raise NotFound(f"no order {order_id}")
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
        _queue_cancel_tickets(session, order, messaging)
    session.commit()
    return order


def kitchen_view(
    session: Session, order: Order, *, include_cancelled_ids: list[str] | None = None
) -> tuple[OrderForKitchen, dict[str, str]]:
    """The order as its kitchen tickets show it: live lines (and, if asked, these cancelled ones)."""
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
                order_lines.c.cancelled.is_(False) | order_lines.c.id.in_(include_cancelled_ids or []),
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
        lines=tuple(
            LineForKitchen(
                line_id=r["id"],
                line_no=r["line_no"],
                name=r["name"],
                quantity=r["quantity"],
                modifiers=tuple(r["modifiers"]),
                allergens=tuple(r["allergens"]),
                note=r["note"],
                station_codes=tuple(r["station_codes"]),
            )
            for r in lines
        ),
    ), station_names


def _queue_cancel_tickets(session: Session, order: Order, messaging: Messaging) -> None:
    revision = order.revision + 1
    session.execute(update(orders).where(orders.c.id == order.id).values(revision=revision))
    order.revision = revision
    view, names = kitchen_view(session, order)
    tickets = build_tickets(view, names, revision=revision, cancelled=True)
    queue_revised_tickets(session, tickets, root=messaging.root, source=messaging.source, at=utcnow())
