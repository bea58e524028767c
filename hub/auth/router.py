from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, status
from fastapi.security import OAuth2PasswordRequestForm
from sqlmodel import col, select

from hub.auth import service
from hub.auth.schemas import (
    ApiKeyCreated,
    ApiKeyIn,
    ApiKeyOut,
    DeviceCreated,
    DeviceIn,
    DeviceOut,
    DeviceTokenIn,
    MeOut,
    TokenOut,
    UserIn,
    UserOut,
)
from hub.auth.tables import ApiKey, Device, User
from hub.auth.tokens import issue_token
from hub.deps import AdminDep, ContextDep, OperatorDep, PrincipalDep, SessionDep
from hub.problems import problem_responses

router = APIRouter(tags=["auth"], responses=problem_responses(401, 403, 422))


@router.post("/auth/token", response_model=TokenOut, responses=problem_responses(401))
def login(ctx: ContextDep, session: SessionDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> TokenOut:
    """OAuth2 password flow for staff."""
    user = service.authenticate_user(session, form.username, form.password)
    ttl = timedelta(minutes=ctx.settings.token_ttl_minutes)
    return TokenOut(
        access_token=issue_token(ctx.secret, subject=user.id, kind="user", ttl=ttl), expires_in=int(ttl.total_seconds())
    )


@router.post("/auth/device-token", response_model=TokenOut)
def device_login(ctx: ContextDep, session: SessionDep, body: DeviceTokenIn) -> TokenOut:
    """Devices (edge agents, KDS, rider trackers) exchange their credential for a token."""
    device = service.authenticate_device(session, body.device_id, body.secret)
    ttl = timedelta(minutes=ctx.settings.token_ttl_minutes)
    return TokenOut(
        access_token=issue_token(ctx.secret, subject=device.id, kind="device", ttl=ttl),
        expires_in=int(ttl.total_seconds()),
    )


@router.get("/auth/me", response_model=MeOut)
def me(principal: PrincipalDep) -> MeOut:
    stores = sorted(principal.store_ids) if principal.store_ids is not None else None
    return MeOut(kind=principal.kind, id=principal.id, name=principal.name, role=principal.role, store_ids=stores)


@router.post("/users", response_model=UserOut, status_code=status.HTTP_201_CREATED, responses=problem_responses(409))
def create_user(session: SessionDep, admin: AdminDep, body: UserIn) -> User:
    user = service.create_user(
        session,
        username=body.username,
        password=body.password,
        role=body.role,
        full_name=body.full_name,
        store_ids=body.store_ids,
        actor=admin.label,
    )
    session.commit()
    return user


@router.get("/users", response_model=list[UserOut])
def list_users(session: SessionDep, _admin: AdminDep) -> list[User]:
    return list(session.exec(select(User).order_by(User.username)).all())


@router.post("/api-keys", response_model=ApiKeyCreated, status_code=status.HTTP_201_CREATED)
def create_api_key(session: SessionDep, admin: AdminDep, body: ApiKeyIn) -> ApiKeyCreated:
    record, key = service.create_api_key(
        session, name=body.name, channel=body.channel, store_ids=body.store_ids, actor=admin.label
    )
    session.commit()
    return ApiKeyCreated(**ApiKeyOut.model_validate(record, from_attributes=True).model_dump(), key=key)


@router.get("/api-keys", response_model=list[ApiKeyOut])
def list_api_keys(session: SessionDep, _admin: AdminDep) -> list[ApiKey]:
    return list(session.exec(select(ApiKey).order_by(col(ApiKey.created_at))).all())


@router.delete("/api-keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(404))
def revoke_api_key(ctx: ContextDep, session: SessionDep, admin: AdminDep, key_id: str) -> None:
    service.revoke_api_key(session, key_id, actor=admin.label)
    session.commit()
    ctx.api_keys.forget(key_id)


@router.post(
    "/devices", response_model=DeviceCreated, status_code=status.HTTP_201_CREATED, responses=problem_responses(409)
)
def create_device(session: SessionDep, operator: OperatorDep, body: DeviceIn) -> DeviceCreated:
    device, secret = service.create_device(
        session,
        device_id=body.device_id,
        kind=body.kind,
        store_id=body.store_id,
        rider_id=body.rider_id,
        actor=operator.label,
    )
    session.commit()
    return DeviceCreated(**DeviceOut.model_validate(device, from_attributes=True).model_dump(), secret=secret)


@router.get("/devices", response_model=list[DeviceOut])
def list_devices(session: SessionDep, operator: OperatorDep) -> list[Device]:
    query = select(Device).order_by(Device.id)
    devices = session.exec(query).all()
    return [d for d in devices if operator.sees_store(d.store_id) or operator.store_ids is None]
