"""Every topic of Brigade, as values: pattern, payload model, QoS, retain; build, parse, wildcard.

Patterns are relative to a root (``brigade`` by default, one per test in the test suite) and
live under the version segment, e.g. ``brigade/v1/stores/s1/kitchen/grill/tickets``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

from contracts.base import Body
from contracts.devices import DeviceState, Presence
from contracts.errors import ContractError
from contracts.kitchen import KitchenTicket, PrintResult, StationTickets, TicketReceived, TicketStatus
from contracts.messaging import Ack, DeadLetter
from contracts.rider import DeliveryEvent, RiderPosition, RiderPositionBatch, RiderRoute
from contracts.service import LeadFollowUpDue, SlaEventNotice
from contracts.store_orders import PosOrderRefused, StoreMenu, StoreOrder

DEFAULT_ROOT: Final = "brigade"
VERSION: Final = "v1"
_PARAM = re.compile(r"\{([a-z_]+)\}")
_SEGMENT_VALUE = re.compile(r"^[A-Za-z0-9_.:-]+$")


@dataclass(frozen=True)
class TopicTemplate:
    """A topic family. ``pattern`` is relative to ``<root>/v1``."""

    pattern: str
    payload: type[Body]
    qos: int = 1
    retain: bool = False
    params: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", tuple(_PARAM.findall(self.pattern)))

    def build(self, *, root: str = DEFAULT_ROOT, **values: str) -> str:
        missing = set(self.params) - values.keys()
        extra = values.keys() - set(self.params)
        if missing or extra:
            raise ContractError(f"topic {self.pattern}: missing {sorted(missing)}, unexpected {sorted(extra)}")
        for name, value in values.items():
            if not _SEGMENT_VALUE.match(value):
                raise ContractError(f"topic {self.pattern}: {name}={value!r} is not a valid topic segment")
        return f"{_check_root(root)}/{VERSION}/" + self.pattern.format(**values)

    def wildcard(self, *, root: str = DEFAULT_ROOT, **values: str) -> str:
        """A subscription filter: given parameters fixed, the others ``+``."""
        filled = {name: values.get(name, "+") for name in self.params}
        for name, value in values.items():
            if name not in self.params:
                raise ContractError(f"topic {self.pattern}: unexpected {name}")
            if not _SEGMENT_VALUE.match(value):
                raise ContractError(f"topic {self.pattern}: {name}={value!r} is not a valid topic segment")
        return f"{_check_root(root)}/{VERSION}/" + self.pattern.format(**filled)

    def parse(self, topic: str, *, root: str = DEFAULT_ROOT) -> dict[str, str] | None:
        """The parameters of ``topic`` if it belongs to this family, else None."""
        prefix = f"{root}/{VERSION}/"
        if not topic.startswith(prefix):
            return None
        rest = topic[len(prefix) :].split("/")
        parts = self.pattern.split("/")
        if len(rest) != len(parts):
            return None
        values: dict[str, str] = {}
        for want, got in zip(parts, rest, strict=True):
            match = _PARAM.fullmatch(want)
            if match:
                if not _SEGMENT_VALUE.match(got):
                    return None
                values[match.group(1)] = got
            elif want != got:
                return None
        return values


def _check_root(root: str) -> str:
    if not root or any(c in root for c in "+#") or root.startswith("/") or root.endswith("/"):
        raise ContractError(f"invalid topic root {root!r}")
    return root


# Hub -> store
KITCHEN_TICKET = TopicTemplate("stores/{store_id}/kitchen/{station_id}/tickets", KitchenTicket)
STORE_MENU = TopicTemplate("stores/{store_id}/menu", StoreMenu, retain=True)
# Store -> hub
TICKET_STATUS = TopicTemplate("stores/{store_id}/kitchen/{station_id}/status", TicketStatus)
TICKET_RECEIVED = TopicTemplate("stores/{store_id}/kitchen/{station_id}/received", TicketReceived)
PRINT_RESULT = TopicTemplate("stores/{store_id}/print-results", PrintResult)
STORE_ORDER = TopicTemplate("stores/{store_id}/orders", StoreOrder)
# In the store: the POS hands orders to the edge agent
POS_ORDER = TopicTemplate("stores/{store_id}/pos/orders", StoreOrder)
POS_REFUSED = TopicTemplate("stores/{store_id}/pos/refused", PosOrderRefused)
DEVICE_STATE = TopicTemplate("stores/{store_id}/devices/{device_id}/state", DeviceState, retain=True)
# In the store: the edge agent's list of a station's open tickets, for displays that (re)connect
STATION_TICKETS = TopicTemplate("stores/{store_id}/kitchen/{station_id}/open-tickets", StationTickets, retain=True)
# Riders
RIDER_POSITION = TopicTemplate("riders/{rider_id}/position", RiderPosition, qos=0)
RIDER_POSITIONS = TopicTemplate("riders/{rider_id}/positions", RiderPositionBatch)
RIDER_EVENT = TopicTemplate("riders/{rider_id}/events", DeliveryEvent)
RIDER_ROUTE = TopicTemplate("riders/{rider_id}/route", RiderRoute, retain=True)
# The rider's subscription round (the milk run of a business date), retained apart from the order
# route: the store's cut-off planning tomorrow's round never replaces tonight's order stops
RIDER_ROUND = TopicTemplate("riders/{rider_id}/round", RiderRoute, retain=True)
# Everyone
PRESENCE = TopicTemplate("presence/{client_id}", Presence, retain=True)
ACK = TopicTemplate("acks/{device_id}", Ack)
DEAD_LETTER = TopicTemplate("dead-letter", DeadLetter)

# Hub -> whoever watches the service desk (consoles, paging)
SERVICE_SLA_EVENT = TopicTemplate("service/sla-events", SlaEventNotice)
LEAD_FOLLOW_UP = TopicTemplate("service/lead-follow-ups", LeadFollowUpDue)

ALL: Final[tuple[TopicTemplate, ...]] = (
    KITCHEN_TICKET,
    STORE_MENU,
    TICKET_STATUS,
    TICKET_RECEIVED,
    PRINT_RESULT,
    STORE_ORDER,
    POS_ORDER,
    POS_REFUSED,
    DEVICE_STATE,
    STATION_TICKETS,
    RIDER_POSITION,
    RIDER_POSITIONS,
    RIDER_EVENT,
    RIDER_ROUTE,
    RIDER_ROUND,
    PRESENCE,
    ACK,
    DEAD_LETTER,
    SERVICE_SLA_EVENT,
    LEAD_FOLLOW_UP,
)


def shared(filter_: str, group: str) -> str:
    """An MQTT v5 shared subscription over ``filter_`` (``$share/<group>/<filter>``)."""
    if not _SEGMENT_VALUE.match(group):
        raise ContractError(f"invalid share group {group!r}")
    return f"$share/{group}/{filter_}"


def match(topic: str, *, root: str = DEFAULT_ROOT) -> tuple[TopicTemplate, dict[str, str]] | None:
    """Which template ``topic`` belongs to, with its parameters."""
    for template in ALL:
        values = template.parse(topic, root=root)
        if values is not None:
            return template, values
    return None
