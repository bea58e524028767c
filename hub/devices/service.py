"""Device health and presence as the hub last heard them."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session

from contracts.devices import DeviceState, Presence
from contracts.envelope import Envelope
from hub.auth.tables import Device
from hub.stores.tables import Printer

printers = Printer.__table__  # type: ignore[attr-defined]


def apply_device_state(session: Session, envelope: Envelope[DeviceState], params: dict[str, str]) -> None:
    body = envelope.body
    if body.kind == "printer":
        session.execute(
            update(printers)
            .where(printers.c.id == body.device_id, printers.c.store_id == params["store_id"])
            .values(status=body.status.value, status_at=body.at)
        )
        return
    device = session.get(Device, body.device_id)
    if device is not None and device.store_id == params["store_id"]:
        device.details = {
            **device.details,
            "status": body.status.value,
            "status_at": body.at.isoformat(),
            "queue_depth": body.queue_depth,
        }
        session.add(device)


def apply_presence(session: Session, envelope: Envelope[Presence], params: dict[str, str]) -> None:
    device = session.get(Device, params["client_id"])
    if device is not None:
        device.details = {
            **device.details,
            "presence": envelope.body.status.value,
            "presence_at": envelope.ts.isoformat(),
        }
        session.add(device)
