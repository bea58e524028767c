"""Finding customers: by phone in any format (or its last digits), name, member id, tag, segment."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, true
from sqlmodel import Session

from hub.crm.masked_views import masked_summary
from hub.crm.profile_schemas import CustomerSummaryOut
from hub.crm.profile_tables import CustomerTag
from hub.crm.segments import MEMBER_TIER, Lifecycle, Segment
from hub.crm.stats_refresh import NOT_COUNTED
from hub.crm.stats_tables import CustomerStats
from hub.crm.store_scope import customers_in_scope, scope_of
from hub.customers.api import Customer, CustomerIdentity, normalise_phone
from hub.errors import DomainError
from hub.kernel.principal import Principal
from hub.orders.api import Order

customers = Customer.__table__  # type: ignore[attr-defined]
identities = CustomerIdentity.__table__  # type: ignore[attr-defined]
stats = CustomerStats.__table__  # type: ignore[attr-defined]
tags = CustomerTag.__table__  # type: ignore[attr-defined]
orders = Order.__table__  # type: ignore[attr-defined]

DIGITS = re.compile(r"^\d{4,11}$")


def _text_match(q: str, region: str) -> ColumnElement[bool]:
    q = q.strip()
    clauses: list[ColumnElement[bool]] = [customers.c.display_name.contains(q, autoescape=True)]
    ident = identities.alias("q_ident")
    clauses.append(
        exists().where(
            ident.c.customer_id == customers.c.id, ident.c.kind.in_(("member_id", "platform")), ident.c.value == q
        )
    )
    try:
        phone = normalise_phone(q, region)
    except DomainError:
        phone = None
    if phone is not None:
        clauses.append(
            exists().where(ident.c.customer_id == customers.c.id, ident.c.kind == "phone", ident.c.value == phone)
        )
    digits = re.sub(r"[\s-]", "", q)
    if DIGITS.match(digits):  # 尾号 5678: the last digits of a phone
        clauses.append(
            exists().where(
                ident.c.customer_id == customers.c.id,
                ident.c.kind == "phone",
                ident.c.value.endswith(digits, autoescape=True),
            )
        )
    return or_(*clauses)


def search_customers(
    session: Session,
    principal: Principal,
    *,
    region: str,
    q: str | None = None,
    tag: str | None = None,
    segment: Segment | None = None,
    lifecycle: Lifecycle | None = None,
    tier: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[CustomerSummaryOut]:
    where: list[ColumnElement[bool]] = [customers.c.merged_into_id.is_(None)]
    if q:
        where.append(_text_match(q, region))
    if tag:
        where.append(exists().where(tags.c.customer_id == customers.c.id, tags.c.tag == tag))
    if segment is not None:
        where.append(func.coalesce(stats.c.segment, Segment.PROSPECT.value) == segment.value)
    if lifecycle is not None:
        where.append(func.coalesce(stats.c.lifecycle, Lifecycle.PROSPECT.value) == lifecycle.value)
    if tier:
        where.append(func.coalesce(stats.c.tier, MEMBER_TIER) == tier)
    count_col: ColumnElement[Any] = stats.c.orders_count
    last_col: ColumnElement[Any] = stats.c.last_order_at
    scope = scope_of(principal)
    if scope is not None:
        where.append(customers_in_scope(scope))
        # A store manager sees their stores' figures of a customer, not the chain's.
        mine = and_(orders.c.customer_id == customers.c.id, orders.c.store_id.in_(scope))
        count_col = select(func.count()).where(mine, orders.c.status.not_in(NOT_COUNTED)).scalar_subquery()
        last_col = (
            select(func.max(orders.c.placed_at)).where(mine, orders.c.status.not_in(NOT_COUNTED)).scalar_subquery()
        )
    phone = (
        select(identities.c.value)
        .where(identities.c.customer_id == customers.c.id, identities.c.kind == "phone")
        .order_by(identities.c.id)
        .limit(1)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            customers.c.id,
            customers.c.display_name,
            customers.c.home_store_id,
            phone.label("phone"),
            stats.c.segment,
            stats.c.lifecycle,
            stats.c.tier,
            count_col.label("orders_count"),
            last_col.label("last_order_at"),
        )
        .select_from(customers.outerjoin(stats, stats.c.customer_id == customers.c.id))
        .where(and_(true(), *where))
        .order_by(last_col.desc().nulls_last(), customers.c.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return [
        masked_summary(
            CustomerSummaryOut(
                id=r.id,
                display_name=r.display_name,
                phone=r.phone,
                home_store_id=r.home_store_id if principal.sees_store(r.home_store_id) else None,
                segment=r.segment or Segment.PROSPECT.value,
                lifecycle=r.lifecycle or Lifecycle.PROSPECT.value,
                tier=r.tier or MEMBER_TIER,
                orders_count=r.orders_count or 0,
                last_order_at=r.last_order_at,
            ),
            principal,
        )
        for r in rows
    ]
