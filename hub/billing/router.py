"""Prepaid balances, manual payments, provider notifications and bill imports over REST.

Money is seen by admin, operator and finance. Provider notifications carry no token: the adapter
checks the provider's signature, and a notice is applied once whatever the number of deliveries.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlalchemy import select
from sqlmodel import Session, col

from hub.billing import service
from hub.billing.bill_import import parse_alipay_bill, parse_wechat_bill
from hub.billing.bill_matching import ExpectedPayment, match_bill
from hub.billing.business_date import business_date
from hub.billing.ledger import EntryKind, LedgerEntry
from hub.billing.payments.manual import ManualPayment, manual_notice
from hub.billing.payments.port import OrderRequest, PaymentMethod, PaymentProviderPort, Provider
from hub.billing.schemas import (
    AdjustmentIn,
    BalanceOut,
    BillImportOut,
    EntryOut,
    ManualPaymentIn,
    PaymentOut,
    ReportLineOut,
    TopUpIn,
    TopUpOut,
)
from hub.billing.tables import PaymentOrderRecord
from hub.customers.api import customers_table
from hub.deps import ContextDep, SessionDep, require
from hub.errors import Conflict, InvalidInput, NotFound
from hub.kernel.principal import Principal
from hub.kernel.roles import Role
from hub.problems import problem_responses

router = APIRouter(tags=["billing"], responses=problem_responses(401, 403, 404, 422))
FinanceDep = Annotated[Principal, Depends(require(Role.ADMIN, Role.OPERATOR, Role.FINANCE))]
CustomerId = Annotated[str, Path(max_length=36)]
MAX_BILL_BYTES = 5_000_000


def _customer(session: Session, customer_id: str) -> None:
    customers = customers_table
    if session.execute(select(customers.c.id).where(customers.c.id == customer_id)).first() is None:
        raise NotFound(f"no customer {customer_id!r}")


def balance_view(session: Session, customer_id: str) -> BalanceOut:
    rows = service.ledger_rows(session, customer_id)
    entries = [EntryOut.model_validate(r, from_attributes=True) for r in rows]
    return BalanceOut(customer_id=customer_id, balance_fen=sum(e.amount_fen for e in entries), entries=entries)


@router.get("/customers/{customer_id}/balance", response_model=BalanceOut)
def balance(session: SessionDep, _finance: FinanceDep, customer_id: CustomerId) -> BalanceOut:
    _customer(session, customer_id)
    return balance_view(session, customer_id)


@router.post("/customers/{customer_id}/balance/payments", response_model=PaymentOut, responses=problem_responses(409))
def manual_payment(
    session: SessionDep, ctx: ContextDep, finance: FinanceDep, customer_id: CustomerId, body: ManualPaymentIn
) -> PaymentOut:
    """Cash or a bank transfer taken by hand: a top-up, applied once per reference."""
    _customer(session, customer_id)
    now = ctx.clock()
    order = session.get(PaymentOrderRecord, body.reference)
    if order is not None and (order.customer_id != customer_id or order.amount_fen != body.amount_fen):
        raise InvalidInput(f"reference {body.reference} is already used for another payment")
    payment = ManualPayment(body.reference, body.amount_fen, body.method, now, finance.label, body.note)
    service.open_payment_order(
        session,
        reference=body.reference,
        customer_id=customer_id,
        amount_fen=body.amount_fen,
        provider=str(Provider.MANUAL),
        store_id=body.store_id,
    )
    decision = service.apply_notice(
        session, manual_notice(payment), business_date=business_date(session, body.store_id, now), now=now
    )
    session.commit()
    return PaymentOut(
        reference=body.reference,
        verdict=str(decision.verdict),
        reason=decision.reason,
        balance_fen=service.balance_fen(session, customer_id),
    )


@router.post(
    "/customers/{customer_id}/balance/adjustments", response_model=BalanceOut, responses=problem_responses(409)
)
def adjust(
    session: SessionDep, ctx: ContextDep, finance: FinanceDep, customer_id: CustomerId, body: AdjustmentIn
) -> BalanceOut:
    """A correction with a note saying why; the same key adjusts once."""
    _customer(session, customer_id)
    now = ctx.clock()
    entry = LedgerEntry(
        f"adjustment:{body.key}",
        EntryKind.ADJUSTMENT,
        body.amount_fen,
        business_date(session, None, now),
        now,
        finance.label,
        note=body.note,
    )
    service.append(session, customer_id, entry)
    session.commit()
    return balance_view(session, customer_id)


@router.post(
    "/customers/{customer_id}/balance/top-ups",
    response_model=TopUpOut,
    status_code=201,
    responses=problem_responses(409, 502),
)
def top_up(
    request: Request, session: SessionDep, _finance: FinanceDep, customer_id: CustomerId, body: TopUpIn
) -> TopUpOut:
    """A top-up paid through WeChat Pay or Alipay: the order is created at the provider; the balance
    grows when its signed notification arrives (``POST /billing/notifications/{provider}``)."""
    _customer(session, customer_id)
    method = PaymentMethod(body.method)
    provider = "wechat" if method.value.startswith("wechat") else "alipay"
    adapter = providers(request).get(provider)
    if adapter is None:
        raise NotFound(f"payment provider {provider} is not configured")
    if session.get(PaymentOrderRecord, body.reference) is not None:
        raise Conflict(f"reference {body.reference} is already used")
    order = OrderRequest(body.reference, body.amount_fen, "鲜奶预存", method, payer_openid=body.payer_openid)
    action = adapter.create_order(order)
    service.open_payment_order(
        session,
        reference=body.reference,
        customer_id=customer_id,
        amount_fen=body.amount_fen,
        provider=provider,
        store_id=body.store_id,
    )
    session.commit()
    return TopUpOut(reference=body.reference, provider=provider, action=dataclasses.asdict(action))


def providers(request: Request) -> dict[str, PaymentProviderPort]:
    """The configured payment providers (set on ``app.state.payment_providers`` at start-up)."""
    found: dict[str, PaymentProviderPort] = getattr(request.app.state, "payment_providers", {})
    return found


@router.post("/billing/notifications/{provider}", responses=problem_responses(400, 401, 409))
async def provider_notification(
    request: Request, ctx: ContextDep, provider: Annotated[str, Path(pattern=r"^(wechat|alipay)$")]
) -> Response:
    """WeChat Pay / Alipay payment notifications: signature checked, applied exactly once, answered the
    way the provider expects (a refusal makes it send the notice again later)."""
    adapter = providers(request).get(provider)
    if adapter is None:
        raise NotFound(f"payment provider {provider} is not configured")
    body = await request.body()
    headers = {k: v for k, v in request.headers.items()}
    notice = adapter.parse_notice(headers, body)  # BadSignature: 401 problem, nothing applied

    def apply() -> bool:
        with ctx.db.session() as session:
            now = ctx.clock()
            order = session.get(PaymentOrderRecord, notice.reference)
            booked = business_date(session, order.store_id if order is not None else None, now)
            decision = service.apply_notice(session, notice, business_date=booked, now=now)
            session.commit()
            return decision.acknowledge

    accepted = await anyio.to_thread.run_sync(apply)
    reply = adapter.acknowledge(accepted)
    return Response(content=reply.body, status_code=reply.status_code, media_type=reply.content_type)


@router.post("/billing/bill-imports", response_model=BillImportOut)
async def import_bill(
    request: Request,
    ctx: ContextDep,
    _finance: FinanceDep,
    provider: Annotated[str, Query(pattern=r"^(wechat|alipay)$")],
) -> BillImportOut:
    """A WeChat Pay or Alipay bill export (CSV) matched to our payments by reference and amount."""
    data = await request.body()
    if not data or len(data) > MAX_BILL_BYTES:
        raise InvalidInput(f"send the bill file as the request body (at most {MAX_BILL_BYTES} bytes)")
    bill = parse_wechat_bill(data) if provider == "wechat" else parse_alipay_bill(data)

    def expected() -> list[ExpectedPayment]:
        with ctx.db.session() as session:
            stmt = select(PaymentOrderRecord).where(col(PaymentOrderRecord.provider) == str(bill.provider))
            return [ExpectedPayment(o.reference, o.customer_id, o.amount_fen) for o in session.execute(stmt).scalars()]

    match = match_bill(bill.rows, await anyio.to_thread.run_sync(expected))
    return BillImportOut(
        provider=str(bill.provider),
        rows=len(bill.rows),
        matched=len(match.matched),
        clean=match.clean,
        unmatched=[ReportLineOut(**line.__dict__) for line in match.unmatched_report()],
    )
