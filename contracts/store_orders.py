"""Orders taken in the store by the edge agent (the POS), synced to the hub."""

from __future__ import annotations

from typing import ClassVar

from pydantic import AwareDatetime, Field

from contracts.base import Body, Identifier, LongText, ShortText


class StoreOrderLine(Body):
    menu_item_id: Identifier
    quantity: int = Field(ge=1, le=999)
    modifiers: tuple[ShortText, ...] = ()
    note: LongText | None = None


class StoreOrder(Body):
    """An order the store took itself; the hub makes exactly one order of it per local id."""

    message_type: ClassVar[str] = "store.order"

    order_id: Identifier
    """Chosen by the edge (a UUID); the hub keeps it, so tickets it sends later match the spool."""
    store_id: Identifier
    local_order_id: Identifier
    order_number: ShortText
    placed_at: AwareDatetime
    lines: tuple[StoreOrderLine, ...] = Field(min_length=1, max_length=200)
    notes: LongText | None = None
    customer_phone: ShortText | None = None


class MenuEntry(Body):
    menu_item_id: Identifier
    name: ShortText
    price_fen: int = Field(ge=0)
    station_ids: tuple[Identifier, ...] = Field(min_length=1)
    allergens: tuple[ShortText, ...] = ()


class StoreMenu(Body):
    """The store's menu and stations, retained, so the edge can take and route orders offline."""

    message_type: ClassVar[str] = "store.menu"

    store_id: Identifier
    store_name: ShortText = ""
    station_names: dict[Identifier, ShortText] = Field(default_factory=dict)
    items: tuple[MenuEntry, ...] = ()
    version: int = Field(default=1, ge=1)


class PosOrderRefused(Body):
    """The hub refused an order the store took (nothing of it reached the hub): the cashier must know.

    Published by the edge agent on the store's POS topic when the hub's ack refuses the order.
    """

    message_type: ClassVar[str] = "store.pos_order_refused"

    store_id: Identifier
    local_order_id: Identifier
    order_id: Identifier
    order_number: ShortText
    code: ShortText
    reason: LongText
    at: AwareDatetime
