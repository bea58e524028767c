"""Staff accounts: change your own password; an admin resets a password, disables or enables a user."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response, status
from sqlmodel import Session

from hub.auth import accounts
from hub.auth.login import check_password, in_session
from hub.auth.passwords import hash_password
from hub.auth.router import NO_STORE, client_address, user_token
from hub.auth.schemas import PasswordChangeIn, PasswordSetIn, TokenOut, UserOut
from hub.auth.service import user_principal
from hub.auth.tables import User
from hub.auth.tokens import read_claims
from hub.deps import AdminDep, ContextDep, SessionDep, oauth2_scheme
from hub.errors import Forbidden, Unauthorized
from hub.kernel.principal import Principal
from hub.problems import problem_responses

router = APIRouter(tags=["auth"], responses=problem_responses(401, 403, 404, 422))
UserId = Annotated[str, Path(max_length=36)]


@router.post("/auth/password", response_model=TokenOut, responses=problem_responses(429, 503))
async def change_password(
    ctx: ContextDep,
    request: Request,
    response: Response,
    body: PasswordChangeIn,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> TokenOut:
    """Change your own password. Every other token of yours stops working; the answer is a new one.

    The current password is checked like a sign-in (the same throttle, the same audit).
    """
    if not token:
        if request.headers.get("x-api-key"):
            raise Forbidden("only staff users have a password; an API key has none")
        raise Unauthorized("sign in (Bearer token) first")
    claims = read_claims(ctx.secret, token)
    if claims.kind != "user":
        raise Forbidden("only staff users have a password")
    principal = await in_session(ctx, partial(_principal, claims.subject, claims.generation))
    accounts.require_acceptable(body.new_password, principal.name)
    user = await check_password(
        ctx, principal.name, body.current_password, client_address(request), purpose="password_change"
    )
    new_hash = await ctx.hashing.hash(body.new_password)
    changed = await in_session(
        ctx,
        lambda session: accounts.set_password(
            session, user.id, new_hash, actor=principal.label, action="user.password_change"
        ),
    )
    response.headers.update(NO_STORE)
    return user_token(ctx, changed.id, changed.token_generation)


def _principal(user_id: str, generation: int, session: Session) -> Principal:
    """The caller, checked without holding a request's session while the passwords hash."""
    return user_principal(session, user_id, generation=generation)


@router.post("/users/{user_id}/password", status_code=status.HTTP_204_NO_CONTENT)
def reset_password(session: SessionDep, admin: AdminDep, user_id: UserId, body: PasswordSetIn) -> None:
    """Set a user's password (they forgot it); their tokens stop working."""
    user = accounts.get_user(session, user_id)
    accounts.require_acceptable(body.new_password, user.username)
    accounts.set_password(
        session, user.id, hash_password(body.new_password), actor=admin.label, action="user.password_reset"
    )
    session.commit()


@router.post("/users/{user_id}/disable", response_model=UserOut, responses=problem_responses(409))
def disable_user(session: SessionDep, admin: AdminDep, user_id: UserId) -> User:
    """The user can no longer sign in, and the tokens they hold stop working at once."""
    user = accounts.set_active(session, user_id, False, actor_id=admin.id, actor=admin.label)
    session.commit()
    return user


@router.post("/users/{user_id}/enable", response_model=UserOut)
def enable_user(session: SessionDep, admin: AdminDep, user_id: UserId) -> User:
    user = accounts.set_active(session, user_id, True, actor_id=admin.id, actor=admin.label)
    session.commit()
    return user
