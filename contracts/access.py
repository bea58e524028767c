"""Who may read and write which topics: the brokers' access lists, built from the topic templates.

One table for both brokers: the hub writes the central broker's ACL from its device registry
(every device, store bridge and the hub itself), ``brigade-edge bridge-config`` writes the store
broker's from the store's devices. A device reads only what it needs and writes only under its own
store or rider; only the hub reads everything. Mosquitto grants every SUBSCRIBE and checks read
access on each message it delivers, so a subscription to another store's topics simply stays silent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from contracts import topics

Access = Literal["read", "write", "readwrite"]

STORE_DEVICE_KINDS = ("edge_agent", "kds", "pos")
RIDER_DEVICE_KINDS = ("rider_tracker",)
STORE_BRIDGE = "store_bridge"


@dataclass(frozen=True, slots=True)
class Grant:
    access: Access
    topic: str
    """A topic filter (``+`` and ``#`` allowed)."""


def _read(template: topics.TopicTemplate, root: str, **params: str) -> Grant:
    return Grant("read", template.wildcard(root=root, **params))


def _write(template: topics.TopicTemplate, root: str, **params: str) -> Grant:
    return Grant("write", template.wildcard(root=root, **params))


def own_grants(root: str, device_id: str) -> list[Grant]:
    """Every device: its acks in, its presence and dead letters out."""
    return [
        _read(topics.ACK, root, device_id=device_id),
        _write(topics.PRESENCE, root, client_id=device_id),
        _write(topics.DEAD_LETTER, root),
    ]


def store_device_grants(
    kind: str, *, root: str, store_id: str, device_id: str, store_devices: Sequence[str] = ()
) -> list[Grant]:
    """An edge agent, KDS screen or POS of ``store_id``; ``store_devices`` are the store's other devices
    (a KDS shows whether the agent is online)."""
    store = {"store_id": store_id}
    grants = own_grants(root, device_id)
    if kind == "edge_agent":
        grants += [
            _read(topics.KITCHEN_TICKET, root, **store),
            _read(topics.STORE_MENU, root, **store),
            _read(topics.POS_ORDER, root, **store),
            _read(topics.TICKET_STATUS, root, **store),  # bumps close tickets on the station lists
            _write(topics.STATION_TICKETS, root, **store),  # each station's open tickets, for a KDS catching up
            _write(topics.KITCHEN_TICKET, root, **store),  # in-store orders shown on the KDS
            _write(topics.TICKET_RECEIVED, root, **store),
            _write(topics.PRINT_RESULT, root, **store),
            _write(topics.STORE_ORDER, root, **store),
            _write(topics.DEVICE_STATE, root, **store),
            _write(topics.POS_REFUSED, root, **store),
        ]
    elif kind == "kds":
        grants += [
            _read(topics.KITCHEN_TICKET, root, **store),
            _read(topics.STATION_TICKETS, root, **store),
            _write(topics.TICKET_STATUS, root, **store),
            *(_read(topics.PRESENCE, root, client_id=d) for d in store_devices if d != device_id),
        ]
    elif kind == "pos":
        grants += [
            _write(topics.POS_ORDER, root, **store),
            _read(topics.POS_REFUSED, root, **store),
            _read(topics.STORE_MENU, root, **store),
        ]
    else:
        raise ValueError(f"{kind!r} is not a store device kind")
    return grants


def rider_grants(*, root: str, rider_id: str, device_id: str) -> list[Grant]:
    rider = {"rider_id": rider_id}
    return [
        *own_grants(root, device_id),
        _write(topics.RIDER_POSITION, root, **rider),
        _write(topics.RIDER_POSITIONS, root, **rider),
        _write(topics.RIDER_EVENT, root, **rider),
        _read(topics.RIDER_ROUTE, root, **rider),
        _read(topics.RIDER_ROUND, root, **rider),
    ]


def store_bridge_grants(*, root: str, store_id: str, bridge_id: str, store_devices: Sequence[str]) -> list[Grant]:
    """A store broker's bridge to the central one: what the store's devices send up, and what comes
    down for them (the topics ``bridge-config`` carries)."""
    store = {"store_id": store_id}
    return [
        *own_grants(root, bridge_id),
        _read(topics.KITCHEN_TICKET, root, **store),
        _read(topics.STORE_MENU, root, **store),
        *(_read(topics.ACK, root, device_id=d) for d in store_devices),
        _write(topics.TICKET_STATUS, root, **store),
        _write(topics.TICKET_RECEIVED, root, **store),
        _write(topics.PRINT_RESULT, root, **store),
        _write(topics.STORE_ORDER, root, **store),
        _write(topics.DEVICE_STATE, root, **store),
        *(_write(topics.PRESENCE, root, client_id=d) for d in store_devices),
    ]


def hub_grants(root: str) -> list[Grant]:
    """The hub's own account: the only one that reads everything."""
    return [Grant("readwrite", f"{root}/#")]


def render_acl(accounts: Sequence[tuple[str, Sequence[Grant]]]) -> str:
    """A Mosquitto ``acl_file``: one ``user`` block per account, nothing for anyone else."""
    lines = ["# Written by Brigade from its device registry; edits are overwritten.", ""]
    for username, grants in accounts:
        lines.append(f"user {username}")
        lines += [f"topic {g.access} {g.topic}" for g in grants]
        lines.append("")
    return "\n".join(lines)
