"""Customers: lookup by any identity, explicit creation, identities, merge, masked views."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import exists, update
from sqlmodel import Session, col, select

from hub.audit.service import record_audit
from hub.auth.principal import Principal
from hub.crm.identity import CustomerRef, IdentityKey, IdentityKind
from hub.crm.phones import mask_phone, normalise_phone
from hub.crm.resolver import find_owners, move_identities, resolve_customer
from hub.crm.schemas import CustomerOut, IdentityIn, IdentityOut
from hub.crm.tables import Customer, CustomerIdentity, CustomerMerge
from hub.db_types import utcnow
from hub.errors import Conflict, InvalidInput, NotFound
from hub.orders.tables import Order
from hub.stores.tables import Store


def visible_customer(session: Session, principal: Principal, customer_id: str) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None or not _sees(session, principal, customer):
        raise NotFound(f"no customer {customer_id}")
    return customer


def _sees(session: Session, principal: Principal, customer: Customer) -> bool:
    if principal.store_ids is None:
        return True
    if customer.home_store_id in principal.store_ids:
        return True
    stores = sorted(principal.store_ids)
    query = select(exists().where(col(Order.customer_id) == customer.id, col(Order.store_id).in_(stores)))
    return bool(session.exec(query).one())


def customer_view(session: Session, customer: Customer, principal: Principal) -> CustomerOut:
    rows = session.exec(
        select(CustomerIdentity).where(CustomerIdentity.customer_id == customer.id).order_by(col(CustomerIdentity.id))
    ).all()
    shown = [
        IdentityOut(
            kind=r.kind,
            namespace=r.namespace,
            value=r.value if r.kind != IdentityKind.PHONE or principal.sees_full_phones else mask_phone(r.value),
        )
        for r in rows
    ]
    return CustomerOut(
        id=customer.id,
        display_name=customer.display_name,
        home_store_id=customer.home_store_id,
        merged_into_id=customer.merged_into_id,
        identities=shown,
        created_at=customer.created_at,
    )


def lookup(session: Session, principal: Principal, ref: CustomerRef, region: str) -> Customer:
    keys = ref.keys(region)
    owners = find_owners(session, keys)
    for key in keys:
        if key in owners:
            return visible_customer(session, principal, owners[key])
    raise NotFound("no customer with these identities")


def create_customer(
    session: Session, principal: Principal, ref: CustomerRef, *, home_store_id: str | None, region: str
) -> tuple[Customer, bool]:
    if home_store_id is not None and (
        not principal.sees_store(home_store_id) or session.get(Store, home_store_id) is None
    ):
        raise InvalidInput(f"unknown store {home_store_id!r}")
    customer_id, created = resolve_customer(
        session, ref.keys(region), display_name=ref.name, store_id=home_store_id, at=utcnow()
    )
    customer = session.get(Customer, customer_id)
    assert customer is not None
    if created:
        record_audit(
            session, actor=principal.label, action="customer.create", target_type="customer", target_id=customer_id
        )
    return customer, created


def add_identity(session: Session, principal: Principal, customer: Customer, body: IdentityIn, region: str) -> None:
    kind = IdentityKind(body.kind)
    value = normalise_phone(body.value, region) if kind is IdentityKind.PHONE else body.value.strip()
    if kind is IdentityKind.PLATFORM and not body.namespace:
        raise InvalidInput("a platform id needs its platform as namespace")
    key = IdentityKey(kind, body.namespace if kind is IdentityKind.PLATFORM else "", value)
    owner = find_owners(session, [key]).get(key)
    if owner == customer.id:
        return
    if owner is not None:
        raise Conflict(
            "this identity belongs to another customer: merge the two customers instead", other_customer_id=owner
        )
    session.add(
        CustomerIdentity(customer_id=customer.id, kind=key.kind.value, namespace=key.namespace, value=key.value)
    )
    record_audit(
        session,
        actor=principal.label,
        action="customer.identity_add",
        target_type="customer",
        target_id=customer.id,
        detail={"kind": key.kind.value},
    )


def merge(session: Session, principal: Principal, target: Customer, source_id: str) -> Customer:
    """Everything of ``source`` (identities, orders) moves to ``target``; source redirects to it."""
    if source_id == target.id:
        raise InvalidInput("a customer cannot be merged into itself")
    source = visible_customer(session, principal, source_id)
    if source.merged_into_id is not None:
        raise Conflict(f"customer {source_id} was already merged into {source.merged_into_id}")
    if target.merged_into_id is not None:
        raise Conflict(f"customer {target.id} was merged into {target.merged_into_id}; merge into that one")
    now = utcnow()
    move_identities(session, source.id, target.id)
    session.execute(update(Order).where(col(Order.customer_id) == source.id).values(customer_id=target.id))
    for extend in MERGE_HOOKS:
        extend(session, source.id, target.id)
    session.execute(update(Customer).where(col(Customer.merged_into_id) == source.id).values(merged_into_id=target.id))
    source.merged_into_id = target.id
    source.updated_at = now
    target.updated_at = now
    if not target.display_name and source.display_name:
        target.display_name = source.display_name
    session.add(source)
    session.add(target)
    session.add(CustomerMerge(source_id=source.id, target_id=target.id, actor=principal.label, at=now))
    record_audit(
        session,
        actor=principal.label,
        action="customer.merge",
        target_type="customer",
        target_id=target.id,
        detail={"source_id": source.id},
    )
    return target


MERGE_HOOKS: list[Callable[[Session, str, str], None]] = []
"""Other domains (loyalty, coupons) append ``fn(session, source_id, target_id)`` to move their rows."""
