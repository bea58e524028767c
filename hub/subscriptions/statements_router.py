"""Monthly statements per customer (JSON, CSV, PDF) and the daily reconciliation per store."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response
from sqlalchemy import select
from sqlmodel import Session, col

from hub.billing.api import (
    ChargeRecord,
    DeliveredItem,
    DeliveryLine,
    EntryKind,
    PauseLine,
    build_monthly_statement,
    ledger_rows,
    payments_between,
    reconcile_day,
    statement_csv,
    statement_json,
    statement_money,
    statement_pdf,
)
from hub.crm.api import mask_name
from hub.customers.api import customers_table
from hub.deps import ContextDep, SessionDep, require
from hub.errors import NotFound
from hub.kernel.business_days import CHINA
from hub.kernel.principal import Principal
from hub.kernel.roles import Role
from hub.problems import problem_responses
from hub.stores.api import stores_table
from hub.subscriptions import service
from hub.subscriptions.generation import DeliveryKey
from hub.subscriptions.tables import SubscriptionDelivery, SubscriptionRecord

router = APIRouter(tags=["billing"], responses=problem_responses(401, 403, 404, 422))
FinanceDep = Annotated[Principal, Depends(require(Role.ADMIN, Role.OPERATOR, Role.FINANCE))]
ReconcilerDep = Annotated[Principal, Depends(require(Role.ADMIN, Role.OPERATOR, Role.FINANCE, Role.STORE_MANAGER))]
MEDIA = {"json": "application/json", "csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}


def statement_bytes(
    session: Session, customer_id: str, year: int, month: int, fmt: str, now: datetime, *, full_name: bool = True
) -> bytes:
    """The statement in ``fmt``; the customer's name masked unless ``full_name`` (finance sees no full names)."""
    customers = customers_table
    found = session.execute(
        select(customers.c.display_name, customers.c.home_store_id).where(customers.c.id == customer_id)
    ).first()
    if found is None:
        raise NotFound(f"no customer {customer_id!r}")
    first, last = date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    subs = list(
        session.execute(select(SubscriptionRecord).where(col(SubscriptionRecord.customer_id) == customer_id)).scalars()
    )
    store_name = _store_name(session, subs[0].store_id if subs else found[1])
    stmt = select(SubscriptionDelivery).where(
        col(SubscriptionDelivery.customer_id) == customer_id,
        col(SubscriptionDelivery.business_date) >= first,
        col(SubscriptionDelivery.business_date) <= last,
        col(SubscriptionDelivery.outcome) == "delivered",
    )
    deliveries = [
        DeliveryLine(
            r.business_date, DeliveryKey(r.subscription_id, r.business_date).as_text(), i["name"], i["quantity"]
        )
        for r in session.execute(stmt.order_by(col(SubscriptionDelivery.business_date))).scalars()
        for i in r.items
    ]
    pauses: list[PauseLine] = []
    for row in subs:
        for p in service.load(session, row).pauses:
            day = max(p.first, first)
            end = min(p.last or last, last)
            while day <= end:
                pauses.append(PauseLine(day, "暂停配送"))
                day += timedelta(days=1)
    opening, charges, payments = statement_money(session, customer_id, first, last)
    statement = build_monthly_statement(
        customer_id=customer_id,
        customer_name=(found[0] if full_name else mask_name(found[0] or "")) or "顾客",
        store_name=store_name,
        year=year,
        month=month,
        opening_balance_fen=opening,
        generated_at=now,
        deliveries=deliveries,
        pauses=pauses,
        charges=charges,
        payments=payments,
    )
    if fmt == "json":
        return statement_json(statement).encode()
    if fmt == "csv":
        return statement_csv(statement)
    return statement_pdf(statement)


def _store_name(session: Session, store_id: str | None) -> str:
    stores = stores_table
    name = session.execute(select(stores.c.name).where(stores.c.id == store_id)).scalar() if store_id else None
    return str(name or "Brigade")


@router.get("/customers/{customer_id}/statements/{year}/{month}", response_class=Response)
def statement(
    session: SessionDep,
    ctx: ContextDep,
    finance: FinanceDep,
    customer_id: Annotated[str, Path(max_length=36)],
    year: Annotated[int, Path(ge=2000, le=2100)],
    month: Annotated[int, Path(ge=1, le=12)],
    format: Annotated[str, Query(pattern=r"^(json|csv|pdf)$")] = "json",
) -> Response:
    """Every day's deliveries, pauses, charges and payments of the month, with the running balance."""
    body = statement_bytes(session, customer_id, year, month, format, ctx.clock(), full_name=finance.sees_full_phones)
    filename = f"statement-{customer_id}-{year}-{month:02d}.{format}"
    return Response(
        body, media_type=MEDIA[format], headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@router.get("/stores/{store_id}/reconciliations/{day}")
def reconciliation(
    session: SessionDep, staff: ReconcilerDep, store_id: Annotated[str, Path(max_length=64)], day: date
) -> dict[str, Any]:
    """Delivered vs charged vs paid for one business date, with every difference listed. Payments are
    compared with the providers' bills through ``POST /billing/bill-imports``; here they are listed as recorded."""
    service.check_store(staff, store_id)
    stmt = select(SubscriptionDelivery).where(
        col(SubscriptionDelivery.store_id) == store_id, col(SubscriptionDelivery.business_date) == day
    )
    rows = list(session.execute(stmt).scalars())
    delivered = [
        DeliveredItem(DeliveryKey(r.subscription_id, r.business_date).as_text(), r.customer_id, r.amount_fen)
        for r in rows
        if r.outcome == "delivered"
    ]
    charges = [
        ChargeRecord(e.key, e.account_id, -e.amount_fen, e.refers_to)
        for customer in sorted({r.customer_id for r in rows})
        for e in ledger_rows(session, customer)
        if e.kind == EntryKind.DELIVERY_CHARGE and e.business_date == day and e.store_id == store_id
    ]
    start = datetime(day.year, day.month, day.day, tzinfo=CHINA)
    paid = payments_between(session, store_id, start, start + timedelta(days=1))
    result = reconcile_day(store_id, day, delivered, charges, [], [])
    return {
        "store_id": store_id,
        "day": day.isoformat(),
        "delivered_fen": result.delivered_fen,
        "charged_fen": result.charged_fen,
        "paid_recorded_fen": sum(p.amount_fen for p in paid if p.status == "success"),
        "balanced": result.balanced,
        "differences": [
            {
                "kind": str(d.kind),
                "customer_id": d.customer_id,
                "subject": d.subject,
                "amount_fen": d.amount_fen,
                "detail": d.detail,
            }
            for d in result.differences
        ],
    }
