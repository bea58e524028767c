"""Find or create the one customer behind a set of identities, safely under concurrency."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, and_, delete, or_, select, text, update
from sqlalchemy.engine import Connection
from sqlmodel import Session

from hub.customers.identity import IdentityKey
from hub.customers.tables import Customer, CustomerIdentity
from hub.db_types import new_id
from hub.kernel.sql_dialect import insert_for, is_postgres

identities = CustomerIdentity.__table__  # type: ignore[attr-defined]
customers = Customer.__table__  # type: ignore[attr-defined]

_PG_CREATE = text(  # a new customer and its first identity in one round trip; every value is bound
    """
WITH c AS (
    INSERT INTO customers (id, display_name, home_store_id, created_at, updated_at)
    VALUES (:id, :display_name, :home_store_id, :at, :at)
    RETURNING id
)
INSERT INTO customer_identities (customer_id, kind, namespace, value, created_at)
SELECT c.id, :kind, :namespace, :value, :at FROM c
ON CONFLICT (kind, namespace, value) DO NOTHING
RETURNING id
"""
)

_PG_FIND_OR_CREATE = text(  # one key: its owner, or a new customer with that key, in one round trip
    """
WITH found AS (
    SELECT customer_id FROM customer_identities WHERE kind = :kind AND namespace = :namespace AND value = :value
), c AS (
    INSERT INTO customers (id, display_name, home_store_id, created_at, updated_at)
    SELECT :id, :display_name, :home_store_id, :at, :at WHERE NOT EXISTS (SELECT 1 FROM found)
    RETURNING id
), i AS (
    INSERT INTO customer_identities (customer_id, kind, namespace, value, created_at)
    SELECT c.id, :kind, :namespace, :value, :at FROM c
    ON CONFLICT (kind, namespace, value) DO NOTHING
    RETURNING customer_id
)
SELECT (SELECT customer_id FROM found) AS found, (SELECT customer_id FROM i) AS created
"""
).columns(found=String, created=String)  # declared: the result's columns are known once, not per execution


def find_owners(conn: Connection | Session, keys: list[IdentityKey]) -> dict[IdentityKey, str]:
    if not keys:
        return {}
    clauses = [
        and_(identities.c.kind == k.kind.value, identities.c.namespace == k.namespace, identities.c.value == k.value)
        for k in keys
    ]
    rows = conn.execute(
        select(identities.c.kind, identities.c.namespace, identities.c.value, identities.c.customer_id).where(
            or_(*clauses)
        )
    ).all()
    by_key = {(r.kind, r.namespace, r.value): r.customer_id for r in rows}
    return {
        k: by_key[(k.kind.value, k.namespace, k.value)] for k in keys if (k.kind.value, k.namespace, k.value) in by_key
    }


def _insert_identity(conn: Connection | Session, customer_id: str, key: IdentityKey, at: datetime) -> bool:
    """True when inserted; False when the identity already belongs to someone."""
    insert = insert_for(conn)
    stmt = (
        insert(identities)
        .values(customer_id=customer_id, kind=key.kind.value, namespace=key.namespace, value=key.value, created_at=at)
        .on_conflict_do_nothing()
    )
    result = conn.execute(stmt.execution_options(preserve_rowcount=True))  # SQLAlchemy 2.1 reports -1 otherwise
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _new_customer(
    customer_id: str, key: IdentityKey, *, display_name: str | None, store_id: str | None, at: datetime
) -> dict[str, object]:
    """The bound values of a new customer and its first identity."""
    return dict(
        id=customer_id,
        display_name=display_name or "",
        home_store_id=store_id,
        at=at,
        kind=key.kind.value,
        namespace=key.namespace,
        value=key.value,
    )


def _create(
    conn: Connection | Session,
    customer_id: str,
    key: IdentityKey,
    *,
    display_name: str | None,
    store_id: str | None,
    at: datetime,
) -> bool:
    """Insert the customer and its first identity; False when that identity belongs to someone already
    (the customer row is written all the same, and the caller drops it)."""
    if is_postgres(conn):
        params = _new_customer(customer_id, key, display_name=display_name, store_id=store_id, at=at)
        return conn.execute(_PG_CREATE, params).first() is not None
    conn.execute(
        customers.insert().values(
            id=customer_id, display_name=display_name or "", home_store_id=store_id, created_at=at, updated_at=at
        )
    )
    return _insert_identity(conn, customer_id, key, at)


def resolve_customer(
    conn: Connection | Session, keys: list[IdentityKey], *, display_name: str | None, store_id: str | None, at: datetime
) -> tuple[str, bool]:
    """(customer id, created). Keys come in priority order; unknown keys are attached to the customer."""
    if len(keys) == 1 and is_postgres(conn):  # the order intake's common case: a phone
        resolved = _find_or_create_one(conn, keys[0], display_name=display_name, store_id=store_id, at=at)
        if resolved is not None:
            return resolved
    owners = find_owners(conn, keys)
    if owners:
        customer_id = next(owners[k] for k in keys if k in owners)
        for key in keys:
            if key not in owners:
                _insert_identity(conn, customer_id, key, at)
        return customer_id, False
    customer_id = new_id()
    if _create(conn, customer_id, keys[0], display_name=display_name, store_id=store_id, at=at):
        for key in keys[1:]:
            _insert_identity(conn, customer_id, key, at)
        return customer_id, True
    # Someone created this customer a moment ago: use theirs and drop ours.
    conn.execute(delete(customers).where(customers.c.id == customer_id))
    winner = find_owners(conn, keys[:1])[keys[0]]
    for key in keys[1:]:
        _insert_identity(conn, winner, key, at)
    return winner, False


def _find_or_create_one(
    conn: Connection | Session, key: IdentityKey, *, display_name: str | None, store_id: str | None, at: datetime
) -> tuple[str, bool] | None:
    """(customer id, created) for a single key in one statement on PostgreSQL; None when a concurrent
    request created that key's customer in between (our customer row is dropped, the caller looks again)."""
    customer_id = new_id()
    params = _new_customer(customer_id, key, display_name=display_name, store_id=store_id, at=at)
    row = conn.execute(_PG_FIND_OR_CREATE, params).one()
    if row.found is not None:
        return str(row.found), False
    if row.created is not None:
        return str(row.created), True
    conn.execute(delete(customers).where(customers.c.id == customer_id))  # lost the race for this key
    return None


def move_identities(conn: Connection | Session, source_id: str, target_id: str) -> None:
    conn.execute(update(identities).where(identities.c.customer_id == source_id).values(customer_id=target_id))
