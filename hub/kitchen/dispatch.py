"""Turning an order into one kitchen ticket per station. Pure."""

from __future__ import annotations

from collections.abc import Sequence

from contracts.kitchen import KitchenTicket, TicketLine
from hub.orders.api import LineForKitchen, OrderForKitchen

__all__ = ["LineForKitchen", "OrderForKitchen", "build_tickets", "stations_of", "ticket_id_for"]


def ticket_id_for(order_id: str, station_code: str) -> str:
    return f"{order_id}:{station_code}"


def stations_of(order: OrderForKitchen) -> list[str]:
    seen: dict[str, None] = {}
    for line in order.lines:
        for code in line.station_codes:
            seen.setdefault(code, None)
    return list(seen)


def build_tickets(
    order: OrderForKitchen,
    station_names: dict[str, str],
    *,
    revision: int = 1,
    only_stations: Sequence[str] | None = None,
    cancelled: bool = False,
    reprint: bool = False,
) -> list[KitchenTicket]:
    """One ticket per station that prepares any line of the order (each revision carries all lines)."""
    tickets = []
    for code in stations_of(order):
        if only_stations is not None and code not in only_stations:
            continue
        lines = tuple(
            TicketLine(
                line_id=line.line_id,
                name=line.name,
                quantity=line.quantity,
                modifiers=line.modifiers,
                allergens=line.allergens,
                note=line.note,
            )
            for line in order.lines
            if code in line.station_codes
        )
        tickets.append(
            KitchenTicket(
                ticket_id=ticket_id_for(order.order_id, code),
                order_id=order.order_id,
                order_number=order.order_number,
                revision=revision,
                store_id=order.store_id,
                store_name=order.store_name,
                station_id=code,
                station_name=station_names.get(code, code),
                channel=order.channel,
                placed_at=order.placed_at,
                due_at=order.due_at,
                lines=lines,
                notes=order.notes,
                customer_display=order.customer_display,
                cancelled=cancelled,
                reprint=reprint,
            )
        )
    return tickets
