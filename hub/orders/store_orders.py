"""Orders the store took itself (edge agent / POS), synced to the hub over MQTT.

The order keeps the id the edge gave it, so the kitchen tickets the hub then sends match what the
store already printed and its spool drops them; (store-pos, store, local id) makes the sync
idempotent, and two stores' POS may use the same local ids. A store order the hub refuses (a
blank phone, a placed time out of range, a local id reused for another order) raises
InvalidInput, which the bridge dead-letters with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pydantic import ValidationError
from sqlmodel import Session

from contracts.envelope import Envelope
from contracts.store_orders import StoreOrder
from hub.customers.api import CustomerRef
from hub.db_types import utcnow
from hub.errors import InvalidInput
from hub.kernel.messaging import Messaging
from hub.kernel.principal import Principal
from hub.kernel.roles import Role
from hub.orders.domain import Fulfilment
from hub.orders.schemas import OrderIn, OrderLineIn
from hub.orders.service import place_order

ApplyStoreOrder = Callable[[Session, Envelope[StoreOrder], dict[str, str]], None]
"""What the bridge runs for a store order (its ``Route.apply``), in the transaction the bridge commits."""


def store_order_applier(messaging: Messaging, clock: Callable[[], datetime] = utcnow) -> ApplyStoreOrder:
    def apply(session: Session, envelope: Envelope[StoreOrder], params: dict[str, str]) -> None:
        body = envelope.body
        if body.store_id != params["store_id"]:
            raise InvalidInput(f"an order for store {body.store_id} arrived on {params['store_id']}'s topic")
        device = Principal(
            kind="device",
            id=envelope.source,
            name=envelope.source,
            role=Role.DEVICE,
            store_ids=frozenset({body.store_id}),
        )
        place_order(session, device, order_in(body), messaging, order_id=body.order_id, now=clock())

    return apply


def order_in(body: StoreOrder) -> OrderIn:
    """The store order as the hub's order request; InvalidInput naming the field the hub refuses."""
    try:
        customer = CustomerRef(phone=body.customer_phone) if body.customer_phone is not None else None
    except ValidationError as exc:
        raise _refused(body, exc, field="customer_phone") from exc
    try:
        return OrderIn(
            store_id=body.store_id,
            external_id=body.local_order_id,
            order_number=body.order_number,
            fulfilment=Fulfilment.DINE_IN,
            lines=[
                OrderLineIn(
                    sku=line.menu_item_id, quantity=line.quantity, modifiers=list(line.modifiers), note=line.note
                )
                for line in body.lines
            ],
            customer=customer,
            notes=body.notes,
            placed_at=body.placed_at,
        )
    except ValidationError as exc:
        raise _refused(body, exc) from exc


def _refused(body: StoreOrder, exc: ValidationError, field: str | None = None) -> InvalidInput:
    first = exc.errors()[0]
    where = field or ".".join(str(p) for p in first["loc"]) or "order"
    return InvalidInput(f"store order {body.local_order_id} refused: {where}: {first['msg']}")
