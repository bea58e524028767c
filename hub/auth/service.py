"""Users and API keys (devices and their credentials: ``hub.devices``)."""

from __future__ import annotations

import hashlib
import secrets

from sqlmodel import Session, select

from hub.audit.service import record_audit
from hub.auth.errors import WeakPassword
from hub.auth.password_policy import password_problem
from hub.auth.passwords import hash_password
from hub.auth.tables import ApiKey, User, UserStore
from hub.errors import Conflict, InvalidInput, NotFound, Unauthorized
from hub.kernel.principal import Principal
from hub.kernel.roles import STAFF_ROLES, Role
from hub.stores.api import store_exists

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
    problem = password_problem(password, username)
    if problem is not None:
        raise WeakPassword(problem)
    if session.exec(select(User).where(User.username == username)).first() is not None:
        raise Conflict(f"user {username!r} already exists")
    if role is Role.STORE_MANAGER and not store_ids:
        raise InvalidInput("a store manager needs at least one store")
    for store_id in store_ids or []:
        if not store_exists(session, store_id):
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


def user_principal(session: Session, user_id: str, *, generation: int | None = None) -> Principal:
    """The user behind a token; ``generation`` is the token's (None: not from a token)."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise Unauthorized("this account no longer exists or is disabled")
    if generation is not None and generation != user.token_generation:
        raise Unauthorized("this access token was issued before a password change; sign in again")
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
        if not store_exists(session, store_id):
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
