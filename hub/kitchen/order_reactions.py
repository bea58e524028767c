"""The kitchen's reactions to orders' events: the tickets each station gets, queued on the order's session."""

from __future__ import annotations

from dataclasses import replace

from hub.kernel.events import Conn
from hub.kitchen.dispatch import build_tickets, stations_of
from hub.kitchen.queue import queue_new_tickets, queue_revised_tickets
from hub.orders.api import OrderCancelled, OrderLinesChanged, OrderPlaced


def queue_placed_order(conn: Conn, event: OrderPlaced) -> None:
    """One ticket per station that prepares any of the new order's lines."""
    tickets = build_tickets(event.order, event.station_names)
    queue_new_tickets(conn, tickets, root=event.root, source=event.source, at=event.at)


def queue_changed_lines(conn: Conn, event: OrderLinesChanged) -> None:
    """A new revision for the stations concerned; a station left with nothing to cook gets a cancel ticket."""
    touched = {code for line in event.added + event.cancelled for code in line.station_codes}
    still_cooking = set(stations_of(event.order))
    names, revision = event.station_names, event.revision
    tickets = build_tickets(event.order, names, revision=revision, only_stations=sorted(touched & still_cooking))
    emptied = sorted(touched - still_cooking)
    if emptied:
        gone = replace(event.order, lines=event.cancelled)
        tickets += build_tickets(gone, names, revision=revision, only_stations=emptied, cancelled=True)
    queue_revised_tickets(conn, tickets, root=event.root, source=event.source, at=event.at)


def queue_cancelled_order(conn: Conn, event: OrderCancelled) -> None:
    """A cancel ticket for every station of the order."""
    tickets = build_tickets(event.order, event.station_names, revision=event.revision, cancelled=True)
    queue_revised_tickets(conn, tickets, root=event.root, source=event.source, at=event.at)
