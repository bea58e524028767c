"""FastAPI dependencies: the hub context, a database session, and the calling principal."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

import anyio.to_thread
from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from sqlmodel import Session

from hub.auth.service import user_principal
from hub.auth.tokens import read_claims
from hub.context import HubContext
from hub.devices.api import device_principal
from hub.errors import Forbidden, Unauthorized
from hub.kernel.principal import Principal
from hub.kernel.roles import Role

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)
api_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False, description="A sales channel's API key")


async def get_context(request: Request) -> HubContext:
    """``async``: a plain attribute read, so FastAPI runs it on the event loop, not a worker thread."""
    ctx: HubContext = request.app.state.ctx
    return ctx


ContextDep = Annotated[HubContext, Depends(get_context)]


async def get_session(ctx: ContextDep) -> AsyncIterator[Session]:
    """A session per request, at most ``db_pool_size`` at a time.

    A request keeps its connection until its response model is validated, which FastAPI does on
    the worker threads. Unbounded, requests waiting for a connection would hold every thread while
    finished requests wait for one to let go of theirs (a deadlock under load). Waiting for a slot
    here holds neither a thread nor a connection. Closing a session still in a transaction runs on a
    small limiter of its own; one the endpoint committed is closed on the event loop (no I/O left).
    """
    async with ctx.session_slots():
        session = ctx.db.sessions()
        try:
            yield session
        finally:
            if session.in_transaction():  # it holds a connection: closing rolls back, a round trip
                await anyio.to_thread.run_sync(session.close, limiter=ctx.session_close_limiter)
            else:  # committed (or never used): nothing to give back but the objects, no thread hop
                session.close()


SessionDep = Annotated[Session, Depends(get_session)]


async def get_principal(
    ctx: ContextDep,
    session: SessionDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
    api_key: Annotated[str | None, Depends(api_key_scheme)],
) -> Principal:
    """The caller. A channel's API key seen within the cache's TTL costs no thread hop and no query
    (the order intake's common case); anything else is looked up on a worker thread."""
    if api_key and not token:
        cached = ctx.api_keys.cached(api_key)
        if cached is not None:
            return cached
    return await anyio.to_thread.run_sync(_principal_from_the_database, ctx, session, token, api_key)


def _principal_from_the_database(
    ctx: HubContext, session: Session, token: str | None, api_key: str | None
) -> Principal:
    try:
        if token:
            claims = read_claims(ctx.secret, token)
            if claims.kind == "device":
                return device_principal(session, claims.subject)
            return user_principal(session, claims.subject, generation=claims.generation)
        if api_key:
            return ctx.api_keys.principal(session, api_key)
        raise Unauthorized("sign in (Bearer token) or send an API key (X-API-Key)")
    finally:
        # Give the connection back while this request waits for a worker thread for its endpoint.
        session.rollback()


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    allowed = frozenset(roles)

    async def check(principal: PrincipalDep) -> Principal:  # no I/O: on the event loop
        if principal.role not in allowed:
            raise Forbidden(f"the {principal.role} role may not do this")
        return principal

    return check


StaffDep = Annotated[
    Principal, Depends(require(Role.ADMIN, Role.OPERATOR, Role.STORE_MANAGER, Role.MARKETER, Role.FINANCE))
]
AdminDep = Annotated[Principal, Depends(require(Role.ADMIN))]
OperatorDep = Annotated[Principal, Depends(require(Role.ADMIN, Role.OPERATOR))]
ManagerDep = Annotated[Principal, Depends(require(Role.ADMIN, Role.OPERATOR, Role.STORE_MANAGER))]
