"""What the device routes take and give."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from hub.api_types import RequestModel

Slug = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")


class DeviceTokenIn(RequestModel):
    device_id: str = Field(min_length=1, max_length=64)
    secret: str = Field(min_length=1, max_length=200)


class DeviceIn(RequestModel):
    device_id: str = Slug
    kind: str = Field(pattern=r"^(edge_agent|kds|pos|rider_tracker|store_bridge)$")
    store_id: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    rider_id: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")


class DevicePrinterOut(BaseModel):
    """A printer as the store's edge agent reported it (its own configuration), with its status."""

    printer_id: str
    station: str | None = None
    fallback: str | None = None
    connection: str = ""
    status: str
    detail: str | None = None
    registered: bool
    """Whether the hub has a printer of this id for the store (``POST /stores/{id}/printers``)."""


class DeviceOut(BaseModel):
    id: str
    kind: str
    store_id: str | None
    rider_id: str | None
    active: bool
    created_at: datetime
    presence: str | None = None
    """``online`` / ``offline`` as the device's retained presence last said; None: never heard."""
    presence_at: datetime | None = None
    status: str | None = None
    """The device's own health report (an edge agent: ``online``, or ``error`` with no usable printer)."""
    status_at: datetime | None = None
    queue_depth: int | None = None
    printers: list[DevicePrinterOut] = []
    """An edge agent's printers as it reported them."""
    unreported_printers: list[str] = []
    """Printers registered at the hub for the agent's store that the agent does not run."""


class DeviceCreated(DeviceOut):
    secret: str
    """Shown once."""
    broker: str = "not configured"
    """Whether the central broker's accounts were updated: provisioned, not configured, or failed."""
