from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm
from sqlmodel import col, select

from hub.auth import service
from hub.auth.login import check_password
from hub.auth.schemas import (
    ApiKeyCreated,
    ApiKeyIn,
    ApiKeyOut,
    MeOut,
    TokenOut,
    UserIn,
    UserOut,
)
from hub.auth.tables import ApiKey, User
from hub.auth.tokens import issue_token
from hub.context import HubContext
from hub.deps import AdminDep, ContextDep, PrincipalDep, SessionDep
from hub.problems import problem_responses

router = APIRouter(tags=["auth"], responses=problem_responses(401, 403, 422))


NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
"""Said outright on responses that carry a token (``hub.security_headers`` adds it to the rest)."""


def client_address(request: Request) -> str:
    """The caller's address (uvicorn puts a trusted proxy's X-Forwarded-For here)."""
    return request.client.host if request.client else "unknown"


def user_token(ctx: HubContext, user_id: str, generation: int) -> TokenOut:
    ttl = timedelta(minutes=ctx.settings.token_ttl_minutes)
    token = issue_token(ctx.secret, subject=user_id, kind="user", ttl=ttl, generation=generation)
    return TokenOut(access_token=token, expires_in=int(ttl.total_seconds()))


@router.post("/auth/token", response_model=TokenOut, responses=problem_responses(401, 429, 503))
async def login(
    ctx: ContextDep, request: Request, response: Response, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> TokenOut:
    """OAuth2 password flow for staff.

    Wrong passwords are counted per username and per client address in the database (shared by
    every hub process); past a few, each attempt waits longer (429 with ``Retry-After``).
    """
    user = await check_password(ctx, form.username, form.password, client_address(request))
    response.headers.update(NO_STORE)
    return user_token(ctx, user.id, user.token_generation)


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
