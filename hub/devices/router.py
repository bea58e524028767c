"""Devices' routes: a device's sign-in, and operators registering, listing, rotating and revoking devices."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, status
from sqlmodel import select

from hub.auth.api import TokenOut, issue_token
from hub.deps import ContextDep, OperatorDep, SessionDep
from hub.devices import credentials
from hub.devices.broker_accounts import BrokerProvisioner, sync_quietly
from hub.devices.schemas import DeviceCreated, DeviceIn, DeviceOut, DeviceTokenIn
from hub.devices.service import device_views
from hub.devices.tables import Device
from hub.errors import NotFound
from hub.problems import problem_responses

router = APIRouter(tags=["auth"], responses=problem_responses(401, 403, 422))


@router.post("/auth/device-token", response_model=TokenOut)
def device_login(ctx: ContextDep, session: SessionDep, body: DeviceTokenIn) -> TokenOut:
    """Devices (edge agents, KDS, rider trackers) exchange their credential for a token."""
    device = credentials.authenticate_device(session, body.device_id, body.secret)
    ttl = timedelta(minutes=ctx.settings.token_ttl_minutes)
    return TokenOut(
        access_token=issue_token(ctx.secret, subject=device.id, kind="device", ttl=ttl),
        expires_in=int(ttl.total_seconds()),
    )


@router.post(
    "/devices", response_model=DeviceCreated, status_code=status.HTTP_201_CREATED, responses=problem_responses(409)
)
def create_device(ctx: ContextDep, session: SessionDep, operator: OperatorDep, body: DeviceIn) -> DeviceCreated:
    device, secret = credentials.create_device(
        session,
        device_id=body.device_id,
        kind=body.kind,
        store_id=body.store_id,
        rider_id=body.rider_id,
        actor=operator.label,
    )
    session.commit()
    broker = sync_quietly(BrokerProvisioner(ctx.settings.broker, ctx.settings.mqtt), session)
    return DeviceCreated(
        **DeviceOut.model_validate(device, from_attributes=True).model_dump(), secret=secret, broker=broker
    )


@router.get("/devices", response_model=list[DeviceOut])
def list_devices(session: SessionDep, operator: OperatorDep) -> list[DeviceOut]:
    """Registered devices with what the hub last heard from them: presence, health, an agent's printers."""
    query = select(Device).order_by(Device.id)
    devices = session.exec(query).all()
    return device_views(session, [d for d in devices if operator.sees_store(d.store_id) or operator.store_ids is None])


def _operated_device(session: SessionDep, operator: OperatorDep, device_id: str) -> None:
    device = session.get(Device, device_id)
    if device is None or not operator.sees_store(device.store_id):
        raise NotFound(f"no active device {device_id}")


@router.post("/devices/{device_id}/rotate", response_model=DeviceCreated, responses=problem_responses(404))
def rotate_device_secret(ctx: ContextDep, session: SessionDep, operator: OperatorDep, device_id: str) -> DeviceCreated:
    """A new secret, shown once; the old one stops working at /auth/device-token and at the broker."""
    _operated_device(session, operator, device_id)
    device, secret = credentials.rotate_device(session, device_id, actor=operator.label)
    session.commit()
    broker = sync_quietly(BrokerProvisioner(ctx.settings.broker, ctx.settings.mqtt), session)
    return DeviceCreated(
        **DeviceOut.model_validate(device, from_attributes=True).model_dump(), secret=secret, broker=broker
    )


@router.delete("/devices/{device_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(404))
def revoke_device_credential(ctx: ContextDep, session: SessionDep, operator: OperatorDep, device_id: str) -> None:
    """The device can no longer get a token, its tokens stop working, and the broker drops it."""
    _operated_device(session, operator, device_id)
    credentials.revoke_device(session, device_id, actor=operator.label)
    session.commit()
    sync_quietly(BrokerProvisioner(ctx.settings.broker, ctx.settings.mqtt), session)
