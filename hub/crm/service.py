"""Customers: lookup by any identity, explicit creation, identities, merge, masked views."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, col, select

from hub.audit.service import record_audit
from hub.crm.events import CustomersMerged
from hub.crm.masked_views import masked_customer
from hub.crm.merging import merge_profile, merge_stats
from hub.crm.schemas import CustomerOut, IdentityIn, IdentityOut
from hub.crm.store_scope import sees_customer, sees_customer_id
from hub.customers.api import (
    Customer,
    CustomerIdentity,
    CustomerMerge,
    CustomerRef,
    IdentityKey,
    IdentityKind,
    find_owners,
    move_identities,
    normalise_phone,
    resolve_customer,
)
from hub.db_types import utcnow
from hub.errors import Conflict, InvalidInput, NotFound
from hub.kernel.events import Events
from hub.kernel.principal import Principal
from hub.orders.api import Order
from hub.stores.api import Store


def visible_customer(session: Session, principal: Principal, customer_id: str) -> Customer:
    """The customer if the caller may see them; 404 otherwise (naming no id: it may be another store's)."""
    customer = session.get(Customer, customer_id)
    if customer is None or not sees_customer(session, principal, customer):
        raise NotFound("no customer with this id")
    return customer


def identities_of(session: Session, customer_id: str) -> list[IdentityOut]:
    """Every identity of the customer, unmasked (callers mask at the response)."""
    rows = session.exec(
        select(CustomerIdentity).where(CustomerIdentity.customer_id == customer_id).order_by(col(CustomerIdentity.id))
    ).all()
    return [IdentityOut(kind=r.kind, namespace=r.namespace, value=r.value) for r in rows]


def shown_links(session: Session, customer: Customer, principal: Principal) -> tuple[str | None, str | None]:
    """(home store, merged into) as the caller may see them: another store's ids are not shown."""
    merged_into = customer.merged_into_id
    if merged_into is not None and not sees_customer_id(session, principal, merged_into):
        merged_into = None
    return (customer.home_store_id if principal.sees_store(customer.home_store_id) else None), merged_into


def customer_view(session: Session, customer: Customer, principal: Principal) -> CustomerOut:
    """The customer as the caller may see them: masked for their role; for a store manager, another
    store's home store and a merge target outside their stores are not shown."""
    home_store_id, merged_into_id = shown_links(session, customer, principal)
    view = CustomerOut(
        id=customer.id,
        display_name=customer.display_name,
        home_store_id=home_store_id,
        merged_into_id=merged_into_id,
        identities=identities_of(session, customer.id),
        created_at=customer.created_at,
    )
    return masked_customer(view, principal)


def served_customer_view(
    session: Session, customer: Customer, principal: Principal, ref: CustomerRef, region: str
) -> CustomerOut:
    """What the caller who just named this customer gets back.

    A customer of the caller's stores is shown as ``customer_view`` shows them. A customer known
    only to other stores is shown with what the caller gave (the identities and name they sent),
    nothing more: the caller may serve them now, but other stores' records stay theirs.
    """
    if sees_customer(session, principal, customer):
        return customer_view(session, customer, principal)
    given = [IdentityOut(kind=k.kind.value, namespace=k.namespace, value=k.value) for k in ref.keys(region)]
    view = CustomerOut(
        id=customer.id,
        display_name=(ref.name or "").strip(),
        home_store_id=None,
        merged_into_id=None,
        identities=given,
        created_at=customer.created_at,
    )
    return masked_customer(view, principal)


def lookup(session: Session, principal: Principal, ref: CustomerRef, region: str) -> Customer:
    keys = ref.keys(region)
    owners = find_owners(session, keys)
    for key in keys:
        if key in owners:
            customer = session.get(Customer, owners[key])
            if customer is not None and sees_customer(session, principal, customer):
                return customer
            break
    raise NotFound("no customer with these identities")


def create_customer(
    session: Session, principal: Principal, ref: CustomerRef, *, home_store_id: str | None, region: str
) -> tuple[Customer, bool]:
    if home_store_id is None and principal.store_ids:
        home_store_id = min(principal.store_ids)  # a store manager's new customer is their store's
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


def merge(session: Session, principal: Principal, target: Customer, source_id: str, events: Events) -> Customer:
    """Everything of ``source`` (identities, orders, profile; the rest through ``CustomersMerged``) moves to
    ``target``; source redirects to it."""
    if source_id == target.id:
        raise InvalidInput("a customer cannot be merged into itself")
    source = visible_customer(session, principal, source_id)
    if source.merged_into_id is not None:
        raise Conflict(f"customer {source_id} was already merged into {source.merged_into_id}")
    if target.merged_into_id is not None:
        raise Conflict(f"customer {target.id} was merged into {target.merged_into_id}; merge into that one")
    now = utcnow()
    move_identities(session, source.id, target.id)
    moved = update(Order).where(col(Order.customer_id) == source.id)
    session.execute(moved.values(customer_id=target.id, updated_at=now))  # the analytics refresh recounts their days
    merge_profile(session, source.id, target.id)
    events.publish(session, CustomersMerged(source_id=source.id, target_id=target.id))
    merge_stats(session, source.id, target.id)
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
