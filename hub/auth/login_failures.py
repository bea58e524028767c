"""The ``login_failures`` rows: charged, refunded and reset by compare-and-set, in the caller's session.

Kept in the database (not in process memory) so every hub worker, and every hub machine, sees the
same count: a client spreading its guesses over several processes gains nothing. Each change is an
``UPDATE ... WHERE version = <read>``; a lost race reads the row again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from hub.auth.backoff import Admission, BackoffPolicy, Failures, admit
from hub.auth.tables import LoginFailures

ATTEMPTS = 20
failures_table: Table = LoginFailures.__table__  # type: ignore[attr-defined]


class ThrottleRace(RuntimeError):
    """The row kept changing under us for ``ATTEMPTS`` reads in a row."""


def charge(session: Session, scope: str, key: str, now: datetime, policy: BackoffPolicy) -> Admission:
    """Admit an attempt on this key, counting it as a failure, or refuse it with the time left."""
    return _change(session, scope, key, lambda state: admit(state, now, policy), insert=True)


def settle(session: Session, scope: str, key: str, change: Callable[[Failures], Failures]) -> None:
    """Apply ``change`` (a refund, a reset) to the key's row, if it has one."""
    _change(session, scope, key, lambda state: Admission(True, 0, change(state)), insert=False)


def forget_older_than(session: Session, cutoff: datetime) -> None:
    """Rows whose last failure is older than the window carry nothing."""
    session.execute(delete(failures_table).where(failures_table.c.last_at < cutoff))


def window_start(now: datetime, policy: BackoffPolicy) -> datetime:
    return now - timedelta(seconds=policy.window_s)


def _change(
    session: Session, scope: str, key: str, decide: Callable[[Failures], Admission], *, insert: bool
) -> Admission:
    t = failures_table
    for _ in range(ATTEMPTS):
        row = session.execute(select(t).where(t.c.scope == scope, t.c.key == key)).mappings().first()
        if row is None:
            decision = decide(Failures())
            if not insert or not decision.allowed or _insert(session, scope, key, decision.charged):
                return decision
            continue
        state = Failures(count=row["count"], last_at=row["last_at"], locked_until=row["locked_until"])
        decision = decide(state)
        if decision.charged == state:
            return decision
        new = decision.charged
        updated = session.execute(
            update(t)
            .where(t.c.scope == scope, t.c.key == key, t.c.version == row["version"])
            .values(
                count=new.count,
                last_at=new.last_at or row["last_at"],
                locked_until=new.locked_until,
                version=row["version"] + 1,
            )
            .returning(t.c.version)
        ).first()
        if updated is not None:
            return decision
    raise ThrottleRace(f"the {scope} row of login_failures kept changing")


def _insert(session: Session, scope: str, key: str, state: Failures) -> bool:
    dialect = session.get_bind().dialect.name
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(failures_table)
        .values(
            scope=scope, key=key, count=state.count, last_at=state.last_at, locked_until=state.locked_until, version=0
        )
        .on_conflict_do_nothing(index_elements=["scope", "key"])
        .returning(failures_table.c.version)
    )
    return session.execute(statement).first() is not None
