"""Kitchen tickets for an order the store took itself, routed with the hub's menu. Pure.

They look like the hub's own: ticket id ``{order_id}:{station}``, revision 1, so when the hub
later sends its tickets for the synced order, the spool recognises them as already printed.
"""

from __future__ import annotations

from contracts.kitchen import KitchenTicket, TicketLine
from contracts.store_orders import StoreMenu, StoreOrder
from edge_agent.errors import OrderRejected
from edge_agent.printing.masking import mask_display

STORE_POS_CHANNEL = "store-pos"


def build_local_tickets(order: StoreOrder, menu: StoreMenu) -> list[KitchenTicket]:
    entries = {entry.menu_item_id: entry for entry in menu.items}
    unknown = sorted({line.menu_item_id for line in order.lines if line.menu_item_id not in entries})
    if unknown:
        raise OrderRejected(f"not on the menu of store {menu.store_id}: {', '.join(unknown)}")
    by_station: dict[str, list[TicketLine]] = {}
    for number, line in enumerate(order.lines, start=1):
        entry = entries[line.menu_item_id]
        ticket_line = TicketLine(
            line_id=f"p{number}",
            name=entry.name,
            quantity=line.quantity,
            modifiers=line.modifiers,
            allergens=entry.allergens,
            note=line.note,
        )
        for station in entry.station_ids:
            by_station.setdefault(station, []).append(ticket_line)
    return [
        KitchenTicket(
            ticket_id=f"{order.order_id}:{station}",
            order_id=order.order_id,
            order_number=order.order_number,
            revision=1,
            store_id=order.store_id,
            store_name=menu.store_name,
            station_id=station,
            station_name=menu.station_names.get(station, station),
            channel=STORE_POS_CHANNEL,
            placed_at=order.placed_at,
            lines=tuple(lines),
            notes=order.notes,
            customer_display=mask_display(order.customer_phone) if order.customer_phone else None,
        )
        for station, lines in by_station.items()
    ]
