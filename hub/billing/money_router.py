"""Refunds, ad-hoc charges against the balance and payment receipts over REST.

Role-scoped like the rest of the money: admin, operator and finance for every store; a store
manager for their stores' entries and payments only (anything else is reported as not found).
Finance sees the customer's name masked on a receipt.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from sqlalchemy import Table, select
from sqlmodel import Session

from hub.billing import balance_changes, provider_refunds
from hub.billing.business_date import business_date
from hub.billing.errors import ProviderNotConfigured
from hub.billing.router import providers
from hub.billing.schemas import ChargeIn, EntryOut, EntryWrittenOut, RefundIn
from hub.billing.statements.formats import receipt_json
from hub.billing.statements.pdf import receipt_pdf
from hub.crm.api import mask_name
from hub.customers.api import customers_table
from hub.deps import ContextDep, SessionDep, require
from hub.errors import NotFound
from hub.kernel.principal import Principal
from hub.kernel.roles import Role
from hub.problems import problem_responses
from hub.stores.api import stores_table

router = APIRouter(tags=["billing"], responses=problem_responses(401, 403, 404, 422))
CashierDep = Annotated[Principal, Depends(require(Role.ADMIN, Role.OPERATOR, Role.STORE_MANAGER, Role.FINANCE))]
CustomerId = Annotated[str, Path(max_length=36)]
MEDIA = {"json": "application/json", "pdf": "application/pdf"}


def _table_row(session: Session, t: Table, column: str, key: str) -> tuple[object, ...] | None:
    found = session.execute(select(t.c[column]).where(t.c.id == key)).first()
    return None if found is None else tuple(found)


def _customer(session: Session, customer_id: str) -> str:
    found = _table_row(session, customers_table, "display_name", customer_id)
    if found is None:
        raise NotFound(f"no customer {customer_id!r}")
    return str(found[0] or "")


def _written(w: balance_changes.Written, refundable: int) -> EntryWrittenOut:
    return EntryWrittenOut(
        entry=EntryOut.model_validate(w.entry, from_attributes=True),
        created=w.created,
        balance_fen=w.balance_fen,
        refundable_fen=refundable,
    )


@router.post(
    "/customers/{customer_id}/balance/refunds",
    response_model=EntryWrittenOut,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409, 502),
)
def refund(
    request: Request,
    session: SessionDep,
    ctx: ContextDep,
    staff: CashierDep,
    customer_id: CustomerId,
    body: RefundIn,
) -> EntryWrittenOut:
    """Refund a charge (back onto the balance) or a top-up (paid back to the payer): an append-only
    entry, once per key, never more than was charged or paid (less earlier refunds) nor than the balance.
    A top-up paid through WeChat Pay or Alipay is paid back through it (``provider_refunds``): nothing
    is written unless the provider agreed (502 problem otherwise; the same request may be sent again)."""
    _customer(session, customer_id)
    original = balance_changes.entry_row(session, customer_id, body.entry_key)
    if original is None or not staff.sees_store(original.store_id):
        raise NotFound("this customer has no such ledger entry")  # no key: it may be another store's
    provider = provider_refunds.provider_of(original)
    adapter = providers(request).get(provider) if provider is not None else None
    if provider is not None and adapter is None:
        raise ProviderNotConfigured(
            f"this top-up was paid through {provider}, which this hub has no keys for: it cannot pay it back"
        )
    now = ctx.clock()
    written = balance_changes.refund(
        session,
        customer_id,
        original,
        key=body.key,
        amount_fen=body.amount_fen,
        note=body.note,
        actor=staff.label,
        business_date=business_date(session, original.store_id, now),
        at=now,
    )
    if adapter is not None and written.created:
        asked = provider_refunds.record_refund(
            session, original, key=body.key, amount_fen=body.amount_fen, reason=body.note, at=now
        )
        adapter.refund(asked)  # refused or unanswered: ProviderError, and the transaction is not committed
    session.commit()
    return _written(written, balance_changes.refundable_fen(session, customer_id, original.key))


@router.post(
    "/customers/{customer_id}/balance/charges",
    response_model=EntryWrittenOut,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409),
)
def charge(
    session: SessionDep, ctx: ContextDep, staff: CashierDep, customer_id: CustomerId, body: ChargeIn
) -> EntryWrittenOut:
    """An ad-hoc purchase (an extra bottle, a gift box) paid from the prepaid balance: once per
    reference, refused with 409 when the balance does not cover it."""
    _customer(session, customer_id)
    if not staff.sees_store(body.store_id) or _table_row(session, stores_table, "name", body.store_id) is None:
        raise NotFound("no store with this id")
    now = ctx.clock()
    written = balance_changes.charge_order(
        session,
        customer_id,
        reference=body.reference,
        amount_fen=body.amount_fen,
        store_id=body.store_id,
        note=body.note,
        actor=staff.label,
        business_date=business_date(session, body.store_id, now),
        at=now,
    )
    session.commit()
    return _written(written, balance_changes.refundable_fen(session, customer_id, written.entry.key))


@router.get("/billing/payments/{reference}/receipt", response_class=Response)
def receipt(
    session: SessionDep,
    staff: CashierDep,
    reference: Annotated[str, Path(max_length=64)],
    format: Annotated[str, Query(pattern=r"^(json|pdf)$")] = "json",
) -> Response:
    """The receipt of a successful payment (manual or through a provider), as JSON or a printable PDF."""
    payment = balance_changes.successful_payment(session, reference)
    if payment is None or not staff.sees_store(payment.store_id):
        raise NotFound("no successful payment with this reference")
    name = _customer(session, payment.customer_id) or "顾客"
    store = _table_row(session, stores_table, "name", payment.store_id) if payment.store_id else None
    found = balance_changes.receipt(
        session,
        payment,
        customer_name=name if staff.sees_full_phones else mask_name(name),
        store_name=str(store[0]) if store else "Brigade",
    )
    body = receipt_json(found).encode() if format == "json" else receipt_pdf(found)
    filename = f"receipt-{found.receipt_no}.{format}"
    return Response(body, media_type=MEDIA[format], headers={"Content-Disposition": f'inline; filename="{filename}"'})
