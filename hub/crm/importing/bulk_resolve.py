"""Finding or creating the customers of a whole batch of imported rows in a few statements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, tuple_
from sqlmodel import Session

from hub.customers.api import IdentityKey
from hub.customers.api import customer_identities_table as identities
from hub.customers.api import customers_table as customers
from hub.db_types import new_id
from hub.kernel.sql_dialect import insert_for

KEY_CHUNK = 500


class BulkConflict(Exception):
    """Someone else created one of these identities meanwhile: the batch is redone row by row."""


@dataclass(frozen=True)
class Wanted:
    keys: tuple[IdentityKey, ...]
    name: str | None
    store_id: str | None


@dataclass(frozen=True)
class Resolved:
    customer_id: str | None
    created: bool
    attached: bool
    """New identities were added to a customer we already had."""


def owners_of(session: Session, keys: list[IdentityKey]) -> dict[IdentityKey, str]:
    found: dict[IdentityKey, str] = {}
    for i in range(0, len(keys), KEY_CHUNK):
        chunk = keys[i : i + KEY_CHUNK]
        rows = session.execute(
            select(identities.c.kind, identities.c.namespace, identities.c.value, identities.c.customer_id).where(
                tuple_(identities.c.kind, identities.c.namespace, identities.c.value).in_(
                    [(k.kind.value, k.namespace, k.value) for k in chunk]
                )
            )
        ).all()
        by_tuple = {(r.kind, r.namespace, r.value): r.customer_id for r in rows}
        for k in chunk:
            owner = by_tuple.get((k.kind.value, k.namespace, k.value))
            if owner is not None:
                found[k] = owner
    return found


def resolve_many(session: Session, wanted: list[Wanted], *, at: datetime) -> list[Resolved]:
    """The customer of each row (rows of one batch may share one), the new ones created in bulk."""
    keys = sorted({k for w in wanted for k in w.keys}, key=lambda k: (k.kind.value, k.namespace, k.value))
    owners = owners_of(session, keys)
    new_customers: list[dict[str, object]] = []
    new_identities: list[dict[str, object]] = []
    created_now: set[str] = set()
    result: list[Resolved] = []
    for item in wanted:
        if not item.keys:
            result.append(Resolved(None, False, False))
            continue
        customer_id = next((owners[k] for k in item.keys if k in owners), None)
        created = customer_id is None
        if customer_id is None:
            customer_id = new_id()
            created_now.add(customer_id)
            new_customers.append(
                dict(
                    id=customer_id,
                    display_name=item.name or "",
                    home_store_id=item.store_id,
                    created_at=at,
                    updated_at=at,
                )
            )
        attached = False
        for key in item.keys:
            if key not in owners:
                owners[key] = customer_id
                attached = True
                new_identities.append(
                    dict(
                        customer_id=customer_id,
                        kind=key.kind.value,
                        namespace=key.namespace,
                        value=key.value,
                        created_at=at,
                    )
                )
        result.append(Resolved(customer_id, created, attached and customer_id not in created_now))
    if new_customers:
        session.execute(customers.insert(), new_customers)
    if new_identities:
        inserted = session.execute(
            insert_for(session)(identities).on_conflict_do_nothing().returning(identities.c.id), new_identities
        ).all()
        if len(inserted) != len(new_identities):
            raise BulkConflict(f"{len(new_identities) - len(inserted)} identities appeared meanwhile")
    return result
