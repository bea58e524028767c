"""A staff account's life after creation: password changes, disabling and enabling. Each is audited.

The caller commits (a route's session, or ``login.in_session``'s unit of work)."""

from __future__ import annotations

from sqlmodel import Session

from hub.audit.service import record_audit
from hub.auth.errors import WeakPassword
from hub.auth.password_policy import password_problem
from hub.auth.tables import User
from hub.errors import Conflict, NotFound


def require_acceptable(password: str, username: str) -> None:
    problem = password_problem(password, username)
    if problem is not None:
        raise WeakPassword(problem)


def get_user(session: Session, user_id: str) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


def set_password(session: Session, user_id: str, password_hash: str, *, actor: str, action: str) -> User:
    """Store a new hash and move the token generation on: every token issued before stops working."""
    user = get_user(session, user_id)
    user.password_hash = password_hash
    user.token_generation += 1
    session.add(user)
    record_audit(session, actor=actor, action=action, target_type="user", target_id=user.id)
    session.flush()
    return user


def set_active(session: Session, user_id: str, active: bool, *, actor_id: str, actor: str) -> User:
    """Disable (its tokens stop working at once) or enable again."""
    user = get_user(session, user_id)
    if not active and user_id == actor_id:
        raise Conflict("you cannot disable your own account")
    if user.active != active:
        user.active = active
        session.add(user)
        record_audit(
            session,
            actor=actor,
            action="user.enable" if active else "user.disable",
            target_type="user",
            target_id=user.id,
            detail={"username": user.username},
        )
        session.flush()
    return user
