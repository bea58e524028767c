from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import select

from hub.deps import ContextDep, ManagerDep, SessionDep, StaffDep
from hub.errors import NotFound
from hub.kitchen.schemas import KitchenTicketOut, StationTimes
from hub.kitchen.stats import station_times
from hub.kitchen.tables import KitchenTicketRecord
from hub.kitchen.tickets import reprint_tickets, ticket_state
from hub.orders.api import visible_order
from hub.problems import problem_responses

router = APIRouter(prefix="/kitchen", tags=["kitchen"], responses=problem_responses(401, 403, 404, 422))
tickets = KitchenTicketRecord.__table__  # type: ignore[attr-defined]


def _out(row: Any) -> KitchenTicketOut:
    return KitchenTicketOut(**dict(row), state=ticket_state(row))


@router.get("/tickets", response_model=list[KitchenTicketOut])
def list_tickets(
    session: SessionDep,
    staff: StaffDep,
    store_id: Annotated[str | None, Query(max_length=64)] = None,
    order_id: Annotated[str | None, Query(max_length=36)] = None,
    unconfirmed: bool = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[KitchenTicketOut]:
    """Tickets with how far each got. ``unconfirmed=true``: the alerts, neither printed nor shown in time."""
    query = select(tickets).order_by(tickets.c.created_at.desc()).limit(limit)
    if store_id is not None:
        query = query.where(tickets.c.store_id == store_id)
    if order_id is not None:
        query = query.where(tickets.c.order_id == order_id)
    if staff.store_ids is not None:
        query = query.where(tickets.c.store_id.in_(sorted(staff.store_ids)))
    if unconfirmed:
        query = query.where(
            tickets.c.alerted_at.is_not(None), tickets.c.printed_at.is_(None), tickets.c.shown_at.is_(None)
        )
    return [_out(row) for row in session.execute(query).mappings()]


@router.post("/orders/{order_id}/reprint", response_model=list[KitchenTicketOut])
def reprint(
    ctx: ContextDep,
    session: SessionDep,
    manager: ManagerDep,
    order_id: str,
    station: Annotated[str | None, Query(max_length=64)] = None,
) -> list[KitchenTicketOut]:
    """Print the order's tickets again (marked REPRINT), at one station or all."""
    order = visible_order(session, manager, order_id)
    ids = reprint_tickets(session, order, station, ctx.messaging(), actor=manager.label)
    if not ids:
        raise NotFound(f"order {order_id} has no ticket for station {station!r}")
    session.commit()
    ctx.wake_relay()
    rows = session.execute(select(tickets).where(tickets.c.ticket_id.in_(ids))).mappings()
    return [_out(row) for row in rows]


@router.get("/stats", response_model=list[StationTimes])
def stats(
    session: SessionDep,
    staff: StaffDep,
    store_id: Annotated[str | None, Query(max_length=64)] = None,
    days: Annotated[int, Query(ge=1, le=366)] = 7,
) -> list[StationTimes]:
    """Per-station ticket times (sent to bumped) over the last days."""
    stores = None if staff.store_ids is None else sorted(staff.store_ids)
    return station_times(session, store_id=store_id, store_ids=stores, days=days)
