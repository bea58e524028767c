"""A store manager's view of customers: their stores' customers, and only their stores' history.

A customer is in a caller's scope when their home store is one of the caller's stores or they
ordered there. Shared customers show each store only its own orders, coupons redeemed there and
points earned there; chain-wide figures (RFM, spend towards a tier) are not shown to a scoped caller.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, false, or_, select
from sqlmodel import Session

from hub.customers.api import Customer
from hub.kernel.principal import Principal
from hub.orders.api import Order

orders = Order.__table__  # type: ignore[attr-defined]
customers = Customer.__table__  # type: ignore[attr-defined]


def scope_of(principal: Principal) -> list[str] | None:
    """The caller's stores, sorted; None for a chain-wide caller."""
    return None if principal.store_ids is None else sorted(principal.store_ids)


def customers_in_scope(stores: list[str]) -> ColumnElement[bool]:
    """SQL over ``customers``: the customer's home store is one of these, or they ordered there."""
    if not stores:
        return false()
    return or_(
        customers.c.home_store_id.in_(stores),
        exists().where(orders.c.customer_id == customers.c.id, orders.c.store_id.in_(stores)),
    )


def sees_customer(session: Session, principal: Principal, customer: Customer) -> bool:
    stores = scope_of(principal)
    if stores is None:
        return True
    if customer.home_store_id in stores:
        return True
    query = select(exists().where(orders.c.customer_id == customer.id, orders.c.store_id.in_(stores)))
    return bool(session.execute(query).scalar())


def sees_customer_id(session: Session, principal: Principal, customer_id: str | None) -> bool:
    if customer_id is None:
        return False
    customer = session.get(Customer, customer_id)
    return customer is not None and sees_customer(session, principal, customer)


def orders_in_scope(principal: Principal) -> ColumnElement[bool] | None:
    """SQL: the order is in the caller's stores; None when every order is."""
    stores = scope_of(principal)
    return None if stores is None else orders.c.store_id.in_(stores)


def order_ids_elsewhere(session: Session, principal: Principal, order_ids: set[str]) -> set[str]:
    """Those of these orders that are outside the caller's stores (their history, not the caller's)."""
    stores = scope_of(principal)
    if stores is None or not order_ids:
        return set()
    inside = set(
        session.execute(
            select(orders.c.id).where(orders.c.id.in_(sorted(order_ids)), orders.c.store_id.in_(stores))
        ).scalars()
    )
    return order_ids - inside
