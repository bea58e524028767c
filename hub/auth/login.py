"""Checking a staff password: throttled per username and per client address, hashed off the request threads.

1. In one short transaction, charge the attempt to the username and to the address (refused with
   429 and the time left if either is waiting out a backoff) and read the user's hash.
2. Verify the password on ``ctx.hashing`` (no request thread, no database connection held).
3. In a second transaction: a correct password resets the username's failures and gives the
   address its charge back; a wrong one stays charged and is written to the audit log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TypeVar

import anyio.to_thread
from sqlmodel import Session, select

from hub.audit.service import record_audit
from hub.auth import login_failures
from hub.auth.backoff import BackoffPolicy, Failures, refund
from hub.auth.errors import LoginBusy, LoginThrottled
from hub.auth.passwords import DUMMY_HASH
from hub.auth.settings import AuthSettings
from hub.auth.tables import User
from hub.context import HubContext
from hub.errors import Unauthorized

logger = logging.getLogger(__name__)

T = TypeVar("T")
USER, ADDRESS = "user", "address"


@dataclass(frozen=True)
class Policies:
    user: BackoffPolicy
    address: BackoffPolicy

    @classmethod
    def from_settings(cls, s: AuthSettings) -> Policies:
        def policy(free: int) -> BackoffPolicy:
            return BackoffPolicy(free=free, base_s=s.backoff_base_s, max_s=s.backoff_max_s, window_s=s.failure_window_s)

        return cls(user=policy(s.user_free_failures), address=policy(s.address_free_failures))


@dataclass(frozen=True)
class CheckedUser:
    id: str
    username: str
    token_generation: int


@dataclass(frozen=True)
class _Begun:
    refused_for_s: int | None = None
    user_id: str | None = None
    username: str = ""
    password_hash: str = DUMMY_HASH
    active: bool = False
    token_generation: int = 0
    user_failures: Failures = field(default_factory=Failures)
    address_failures: Failures = field(default_factory=Failures)


async def check_password(
    ctx: HubContext, username: str, password: str, address: str, *, purpose: str = "login"
) -> CheckedUser:
    """The user whose password this is; LoginThrottled, LoginBusy or Unauthorized otherwise."""
    _shed_if_busy(ctx)  # before touching the database
    policies = Policies.from_settings(ctx.settings.auth)
    now = ctx.clock()
    user_key, address_key = username.casefold()[:128], (address or "unknown")[:128]
    begun = await in_session(ctx, partial(_begin, username, user_key, address_key, now, policies))
    if begun.refused_for_s is not None:
        ctx.metrics.logins.labels(outcome="throttled").inc()
        logger.warning("sign-in refused: backoff for %d s more", begun.refused_for_s)
        raise LoginThrottled(begun.refused_for_s)
    try:
        _shed_if_busy(ctx)  # again: the queue may have filled while this attempt was charged
    except LoginBusy:
        await in_session(ctx, partial(_give_back, user_key, address_key, policies))
        raise
    correct = await ctx.hashing.verify(begun.password_hash, password)
    reason = None if correct and begun.active else _reason(begun, correct)
    await in_session(ctx, partial(_finish, begun, reason, user_key, address_key, address, purpose, now, policies))
    if reason is not None:
        ctx.metrics.logins.labels(outcome="failed").inc()
        logger.warning("sign-in failed (%s) for user %s", reason, begun.user_id or "unknown")
        raise Unauthorized("this account is disabled" if reason == "disabled" else "wrong username or password")
    assert begun.user_id is not None
    ctx.metrics.logins.labels(outcome="ok").inc()
    return CheckedUser(id=begun.user_id, username=begun.username, token_generation=begun.token_generation)


def _shed_if_busy(ctx: HubContext) -> None:
    try:
        ctx.hashing.check_capacity()
    except LoginBusy:
        ctx.metrics.logins.labels(outcome="busy").inc()
        logger.warning("sign-in refused: every password-hashing thread busy and the queue full")
        raise


def _reason(begun: _Begun, correct: bool) -> str:
    if begun.user_id is None:
        return "unknown_user"
    if not correct:
        return "wrong_password"
    return "disabled"


async def in_session(ctx: HubContext, work: Callable[[Session], T]) -> T:
    """Run ``work`` as a unit of work of its own (committed here) on a request thread, within the
    connection pool's bound. ``work`` never commits; it may roll back what it must not keep."""

    def run() -> T:
        with ctx.db.sessions() as session:
            result = work(session)
            session.commit()
            return result

    async with ctx.session_slots():
        return await anyio.to_thread.run_sync(run)


def _begin(
    username: str, user_key: str, address_key: str, now: datetime, policies: Policies, session: Session
) -> _Begun:
    user_admission = login_failures.charge(session, USER, user_key, now, policies.user)
    if not user_admission.allowed:
        session.rollback()
        return _Begun(refused_for_s=user_admission.retry_after_s)
    address_admission = login_failures.charge(session, ADDRESS, address_key, now, policies.address)
    if not address_admission.allowed:
        session.rollback()
        return _Begun(refused_for_s=address_admission.retry_after_s)
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        return _Begun(user_failures=user_admission.charged, address_failures=address_admission.charged)
    return _Begun(
        user_id=user.id,
        username=user.username,
        password_hash=user.password_hash,
        active=user.active,
        token_generation=user.token_generation,
        user_failures=user_admission.charged,
        address_failures=address_admission.charged,
    )


def _give_back(user_key: str, address_key: str, policies: Policies, session: Session) -> None:
    """An attempt refused before its password was checked is no failure."""
    login_failures.settle(session, USER, user_key, lambda state: refund(state, policies.user))
    login_failures.settle(session, ADDRESS, address_key, lambda state: refund(state, policies.address))


def _finish(
    begun: _Begun,
    reason: str | None,
    user_key: str,
    address_key: str,
    address: str,
    purpose: str,
    now: datetime,
    policies: Policies,
    session: Session,
) -> None:
    actor = f"user:{begun.username}" if begun.user_id else "anonymous"
    if reason is None:
        login_failures.settle(session, USER, user_key, lambda _state: Failures())
        login_failures.settle(session, ADDRESS, address_key, lambda state: refund(state, policies.address))
        if purpose == "login":
            record_audit(
                session,
                actor=actor,
                action="auth.login",
                target_type="user",
                target_id=begun.user_id or "",
                detail={"address": address},
            )
    else:
        locked = begun.user_failures.locked_until or begun.address_failures.locked_until
        record_audit(
            session,
            actor=actor,
            action="auth.login_failed",
            target_type="user",
            target_id=begun.user_id or "unknown",
            detail={
                "username": user_key[:64],
                "address": address,
                "reason": reason,
                "purpose": purpose,
                "user_failures": begun.user_failures.count,
                "address_failures": begun.address_failures.count,
                "locked_until": locked.isoformat() if locked else None,
            },
        )
        login_failures.forget_older_than(session, login_failures.window_start(now, policies.user))
