"""Users, API keys and device credentials."""

from __future__ import annotations

import hashlib
import secrets

from sqlmodel import Session, select

from hub.audit.service import record_audit
from hub.auth.passwords import DUMMY_HASH, MIN_PASSWORD_LENGTH, hash_password, verify_password
from hub.auth.principal import Principal
from hub.auth.roles import STAFF_ROLES, Role
from hub.auth.tables import ApiKey, Device, User, UserStore
from hub.errors import Conflict, InvalidInput, NotFound, Unauthorized
from hub.stores.tables import Store

API_KEY_PREFIX = "brg_"


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role,
    full_name: str = "",
    store_ids: list[str] | None = None,
    actor: str = "system",
) -> User:
    if role not in STAFF_ROLES:
        raise InvalidInput(f"{role} is not a staff role")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if session.exec(select(User).where(User.username == username)).first() is not None:
        raise Conflict(f"user {username!r} already exists")
    if role is Role.STORE_MANAGER and not store_ids:
        raise InvalidInput("a store manager needs at least one store")
    for store_id in store_ids or []:
        if session.get(Store, store_id) is None:
            raise InvalidInput(f"unknown store {store_id!r}")
    user = User(username=username, full_name=full_name, password_hash=hash_password(password), role=role.value)
    session.add(user)
    session.flush()
    for store_id in store_ids or []:
        session.add(UserStore(user_id=user.id, store_id=store_id))
    record_audit(
        session,
        actor=actor,
        action="user.create",
        target_type="user",
        target_id=user.id,
        detail={"username": username, "role": role.value, "store_ids": store_ids or []},
    )
    return user


def authenticate_user(session: Session, username: str, password: str) -> User:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        verify_password(DUMMY_HASH, password)
        raise Unauthorized("wrong username or password")
    if not verify_password(user.password_hash, password) or not user.active:
        raise Unauthorized("wrong username or password")
    return user


def user_principal(session: Session, user_id: str) -> Principal:
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise Unauthorized("this account no longer exists or is disabled")
    role = Role(user.role)
    stores: frozenset[str] | None = None
    if role is Role.STORE_MANAGER:
        stores = frozenset(session.exec(select(UserStore.store_id).where(UserStore.user_id == user.id)).all())
    return Principal(kind="user", id=user.id, name=user.username, role=role, store_ids=stores)


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_api_key(
    session: Session, *, name: str, channel: str, store_ids: list[str] | None, actor: str
) -> tuple[ApiKey, str]:
    """The record and the key itself, which is never shown again."""
    for store_id in store_ids or []:
        if session.get(Store, store_id) is None:
            raise InvalidInput(f"unknown store {store_id!r}")
    key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    record = ApiKey(name=name, channel=channel, prefix=key[:10], key_hash=_key_hash(key), store_ids=store_ids)
    session.add(record)
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="api_key.create",
        target_type="api_key",
        target_id=record.id,
        detail={"name": name, "channel": channel, "store_ids": store_ids},
    )
    return record, key


def api_key_principal(session: Session, key: str) -> Principal:
    record = session.exec(select(ApiKey).where(ApiKey.key_hash == _key_hash(key))).first()
    if record is None or not record.active:
        raise Unauthorized("invalid API key")
    stores = frozenset(record.store_ids) if record.store_ids is not None else None
    return Principal(
        kind="api_key", id=record.id, name=record.name, role=Role.CHANNEL, store_ids=stores, channel=record.channel
    )


def revoke_api_key(session: Session, key_id: str, *, actor: str) -> None:
    record = session.get(ApiKey, key_id)
    if record is None:
        raise NotFound(f"no API key {key_id}")
    record.active = False
    session.add(record)
    record_audit(session, actor=actor, action="api_key.revoke", target_type="api_key", target_id=key_id)


DEVICE_KINDS = frozenset({"edge_agent", "kds", "rider_tracker"})


def create_device(
    session: Session, *, device_id: str, kind: str, store_id: str | None, rider_id: str | None, actor: str
) -> tuple[Device, str]:
    if kind not in DEVICE_KINDS:
        raise InvalidInput(f"unknown device kind {kind!r}; one of {sorted(DEVICE_KINDS)}")
    if kind in ("edge_agent", "kds") and not store_id:
        raise InvalidInput(f"a {kind} belongs to a store")
    if kind == "rider_tracker" and not rider_id:
        raise InvalidInput("a rider tracker belongs to a rider")
    if store_id is not None and session.get(Store, store_id) is None:
        raise InvalidInput(f"unknown store {store_id!r}")
    if session.get(Device, device_id) is not None:
        raise Conflict(f"device {device_id!r} already exists")
    secret = secrets.token_urlsafe(24)
    device = Device(id=device_id, kind=kind, store_id=store_id, rider_id=rider_id, secret_hash=hash_password(secret))
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
    return device, secret


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
