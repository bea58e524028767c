"""Orders the store took itself (edge agent / POS), synced to the hub over MQTT.

The order keeps the id the edge gave it, so the kitchen tickets the hub then sends match what the
store already printed and its spool drops them; (store-pos, local id) makes the sync idempotent.
"""

from __future__ import annotations

from sqlmodel import Session

from contracts.envelope import Envelope
from contracts.store_orders import StoreOrder
from hub.auth.principal import Principal
from hub.auth.roles import Role
from hub.bridge.routes import Apply
from hub.crm.identity import CustomerRef
from hub.errors import InvalidInput
from hub.orders.domain import Fulfilment
from hub.orders.schemas import OrderIn, OrderLineIn
from hub.orders.service import Messaging, place_order


def store_order_applier(messaging: Messaging) -> Apply:
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
        order = OrderIn(
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
            customer=CustomerRef(phone=body.customer_phone) if body.customer_phone else None,
            notes=body.notes,
            placed_at=body.placed_at,
        )
        place_order(session, device, order, messaging, order_id=body.order_id)

    return apply
