"""Device health and presence as the hub last heard them, and the devices as ``GET /devices`` shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session

from contracts.devices import DeviceState, Presence
from contracts.envelope import Envelope
from hub.devices.schemas import DeviceOut, DevicePrinterOut
from hub.devices.tables import Device
from hub.stores.api import printers_table

printers = printers_table


def apply_device_state(session: Session, envelope: Envelope[DeviceState], params: dict[str, str]) -> None:
    body = envelope.body
    if body.kind == "printer":
        session.execute(
            update(printers)
            .where(printers.c.id == body.device_id, printers.c.store_id == params["store_id"])
            .values(status=body.status.value, status_at=body.at)
        )
        _note_printer_status(session, envelope.source, params["store_id"], body)
        return
    device = session.get(Device, body.device_id)
    if device is not None and device.store_id == params["store_id"]:
        details: dict[str, Any] = {
            **device.details,
            "status": body.status.value,
            "status_at": body.at.isoformat(),
            "queue_depth": body.queue_depth,
        }
        if body.kind == "edge_agent":
            details["printers"] = [p.model_dump(mode="json") for p in body.printers]
        device.details = details
        session.add(device)


def _note_printer_status(session: Session, agent_id: str, store_id: str, body: DeviceState) -> None:
    """A printer's own state also updates that printer in its agent's report."""
    agent = session.get(Device, agent_id)
    if agent is None or agent.store_id != store_id or not agent.details.get("printers"):
        return
    reported = [
        {**p, "status": body.status.value, "detail": body.detail} if p.get("printer_id") == body.device_id else p
        for p in agent.details["printers"]
    ]
    agent.details = {**agent.details, "printers": reported}
    session.add(agent)


def apply_presence(session: Session, envelope: Envelope[Presence], params: dict[str, str]) -> None:
    device = session.get(Device, params["client_id"])
    if device is not None:
        device.details = {
            **device.details,
            "presence": envelope.body.status.value,
            "presence_at": envelope.ts.isoformat(),
        }
        session.add(device)


def device_views(session: Session, devices: list[Device]) -> list[DeviceOut]:
    stores = {d.store_id for d in devices if d.store_id is not None and d.kind == "edge_agent"}
    registered: dict[str, set[str]] = {store: set() for store in stores}
    if stores:
        rows = session.execute(select(printers.c.store_id, printers.c.id).where(printers.c.store_id.in_(stores)))
        for store_id, printer_id in rows:
            registered[store_id].add(printer_id)
    return [_view(d, registered.get(d.store_id or "", set())) for d in devices]


def _view(device: Device, registered: set[str]) -> DeviceOut:
    details = device.details
    reported = [
        DevicePrinterOut(
            printer_id=str(p["printer_id"]),
            station=p.get("station"),
            fallback=p.get("fallback"),
            connection=str(p.get("connection", "")),
            status=str(p.get("status", "unknown")),
            detail=p.get("detail"),
            registered=p["printer_id"] in registered,
        )
        for p in details.get("printers", [])
        if isinstance(p, dict) and p.get("printer_id")
    ]
    known = {p.printer_id for p in reported}
    return DeviceOut(
        id=device.id,
        kind=device.kind,
        store_id=device.store_id,
        rider_id=device.rider_id,
        active=device.active,
        created_at=device.created_at,
        presence=details.get("presence"),
        presence_at=_time(details.get("presence_at")),
        status=details.get("status"),
        status_at=_time(details.get("status_at")),
        queue_depth=details.get("queue_depth"),
        printers=reported,
        unreported_printers=sorted(registered - known) if reported else [],
    )


def _time(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None
