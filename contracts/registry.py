"""Message type name -> body model. The one list of every body on the wire."""

from __future__ import annotations

from contracts.base import Body
from contracts.devices import DeviceState, Presence
from contracts.kitchen import KitchenTicket, PrintResult, StationTickets, TicketReceived, TicketStatus
from contracts.messaging import Ack, DeadLetter
from contracts.rider import DeliveryEvent, RiderPosition, RiderPositionBatch, RiderRoute
from contracts.service import LeadFollowUpDue, SlaEventNotice
from contracts.store_orders import PosOrderRefused, StoreMenu, StoreOrder

BODY_TYPES: tuple[type[Body], ...] = (
    KitchenTicket,
    TicketStatus,
    TicketReceived,
    PrintResult,
    DeviceState,
    Presence,
    RiderPosition,
    RiderPositionBatch,
    DeliveryEvent,
    RiderRoute,
    Ack,
    DeadLetter,
    StoreOrder,
    StoreMenu,
    PosOrderRefused,
    StationTickets,
    SlaEventNotice,
    LeadFollowUpDue,
)

_BY_NAME: dict[str, type[Body]] = {t.message_type: t for t in BODY_TYPES}


def body_type_for(name: str) -> type[Body] | None:
    return _BY_NAME.get(name)
