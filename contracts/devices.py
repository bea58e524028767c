"""Device health and presence."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import AwareDatetime, Field

from contracts.base import Body, Identifier, ShortReport, ShortText


class PrinterStatus(StrEnum):
    ONLINE = "online"
    PAPER_NEAR_END = "paper_near_end"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    ERROR = "error"


class ReportedPrinter(Body):
    """A printer as the store's edge agent has it configured (its ``store.json``), with its status."""

    printer_id: Identifier
    station: Identifier | None = None
    fallback: Identifier | None = None
    connection: ShortText = ""
    status: PrinterStatus = PrinterStatus.ONLINE
    detail: ShortReport | None = None


class DeviceState(Body):
    """Retained health of a device (a printer, or the agent itself)."""

    message_type: ClassVar[str] = "device.state"

    device_id: Identifier
    store_id: Identifier | None = None
    kind: ShortText
    """printer, edge_agent, kds, rider_tracker."""
    status: PrinterStatus
    detail: ShortReport | None = None
    queue_depth: int = Field(default=0, ge=0)
    printers: tuple[ReportedPrinter, ...] = Field(default=(), max_length=100)
    """From an edge agent: the printers it runs, so the hub shows what the store really has."""
    at: AwareDatetime


class PresenceStatus(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"


class Presence(Body):
    """Retained presence: ``online`` on every connect, ``offline`` as the Last Will."""

    message_type: ClassVar[str] = "device.presence"

    client_id: Identifier
    status: PresenceStatus
    kind: ShortText = ""
    store_id: Identifier | None = None
    version: ShortText = ""
