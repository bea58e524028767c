"""A device's credential over its life: issued at creation, checked at sign-in, rotated, revoked; each
change audited.

The secret is shown once and never stored: the hub keeps an argon2 hash (for ``/auth/device-token``)
and Mosquitto's ``$7$`` hash (for the broker's password file), both made from the same secret.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlmodel import Session

from hub.audit.service import record_audit
from hub.auth.api import DUMMY_HASH, hash_password, verify_password
from hub.devices.tables import Device
from hub.errors import Conflict, InvalidInput, NotFound, Unauthorized
from hub.kernel.principal import Principal
from hub.kernel.roles import Role
from hub.stores.api import store_exists
from mqttlink.mosquitto_passwords import mosquitto_hash

RESERVED_PREFIX = "brigade-hub"
"""The hub's own MQTT client ids (brigade-hub-<host>-<pid>): no device may take one."""


@dataclass(frozen=True)
class IssuedSecret:
    secret: str
    """Shown once, to the operator."""
    secret_hash: str
    broker_hash: str


def issue_secret() -> IssuedSecret:
    secret = secrets.token_urlsafe(24)
    return IssuedSecret(secret=secret, secret_hash=hash_password(secret), broker_hash=mosquitto_hash(secret))


def check_device_id(device_id: str) -> None:
    if device_id.startswith(RESERVED_PREFIX):
        raise InvalidInput(f"device ids may not start with {RESERVED_PREFIX!r}: that is the hub's own client id")


DEVICE_KINDS = frozenset({"edge_agent", "kds", "pos", "rider_tracker", "store_bridge"})


def create_device(
    session: Session, *, device_id: str, kind: str, store_id: str | None, rider_id: str | None, actor: str
) -> tuple[Device, str]:
    if kind not in DEVICE_KINDS:
        raise InvalidInput(f"unknown device kind {kind!r}; one of {sorted(DEVICE_KINDS)}")
    check_device_id(device_id)
    if kind in ("edge_agent", "kds", "pos", "store_bridge") and not store_id:
        raise InvalidInput(f"a {kind} belongs to a store")
    if kind == "rider_tracker" and not rider_id:
        raise InvalidInput("a rider tracker belongs to a rider")
    if store_id is not None and not store_exists(session, store_id):
        raise InvalidInput(f"unknown store {store_id!r}")
    if session.get(Device, device_id) is not None:
        raise Conflict(f"device {device_id!r} already exists")
    issued = issue_secret()
    device = Device(
        id=device_id,
        kind=kind,
        store_id=store_id,
        rider_id=rider_id,
        secret_hash=issued.secret_hash,
        broker_hash=issued.broker_hash,
    )
    session.add(device)
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="device.create",
        target_type="device",
        target_id=device_id,
        detail={"kind": kind, "store_id": store_id, "rider_id": rider_id},
    )
    return device, issued.secret


def authenticate_device(session: Session, device_id: str, secret: str) -> Device:
    device = session.get(Device, device_id)
    if device is None:
        verify_password(DUMMY_HASH, secret)
        raise Unauthorized("wrong device id or secret")
    if not device.active or not verify_password(device.secret_hash, secret):
        raise Unauthorized("wrong device id or secret")
    return device


def device_principal(session: Session, device_id: str) -> Principal:
    device = session.get(Device, device_id)
    if device is None or not device.active:
        raise Unauthorized("this device is unknown or disabled")
    stores = frozenset({device.store_id}) if device.store_id else frozenset()
    return Principal(kind="device", id=device.id, name=device.id, role=Role.DEVICE, store_ids=stores)


def rotate_device(session: Session, device_id: str, *, actor: str) -> tuple[Device, str]:
    """A new secret; the old one stops working at ``/auth/device-token`` now and at the broker on its
    next sync. Returns the device and the new secret (shown once)."""
    device = _active(session, device_id)
    issued = issue_secret()
    device.secret_hash, device.broker_hash = issued.secret_hash, issued.broker_hash
    session.add(device)
    record_audit(session, actor=actor, action="device.rotate", target_type="device", target_id=device_id)
    return device, issued.secret


def revoke_device(session: Session, device_id: str, *, actor: str) -> Device:
    """The device can no longer get a token, its tokens stop working, and the broker drops it on sync."""
    device = _active(session, device_id)
    device.active = False
    device.broker_hash = None
    session.add(device)
    record_audit(session, actor=actor, action="device.revoke", target_type="device", target_id=device_id)
    return device


def _active(session: Session, device_id: str) -> Device:
    device = session.get(Device, device_id)
    if device is None or not device.active:
        raise NotFound(f"no active device {device_id}")
    return device
