from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status
from sqlmodel import select

from hub.deps import ContextDep, ManagerDep, PrincipalDep, SessionDep, require
from hub.errors import Forbidden
from hub.kernel.principal import Principal
from hub.kernel.roles import Role
from hub.model_response import model_response
from hub.orders import changes, refunds, service
from hub.orders.domain import OrderStatus
from hub.orders.masked_views import masked_events, masked_order, masked_refund
from hub.orders.schemas import OrderEventOut, OrderIn, OrderLinesIn, OrderOut, RefundIn, RefundOut, StatusChangeIn
from hub.orders.tables import Order, OrderEvent
from hub.problems import problem_responses

router = APIRouter(prefix="/orders", tags=["orders"], responses=problem_responses(401, 403, 404, 422))

CHANGERS = frozenset({Role.ADMIN, Role.OPERATOR, Role.STORE_MANAGER, Role.CHANNEL})
RefunderDep = Annotated[Principal, Depends(require(Role.ADMIN, Role.OPERATOR, Role.STORE_MANAGER, Role.FINANCE))]
READERS = frozenset({Role.ADMIN, Role.OPERATOR, Role.STORE_MANAGER, Role.FINANCE, Role.MARKETER, Role.CHANNEL})


@router.post(
    "",
    response_model=OrderOut,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": OrderOut, "description": "The order already placed with this key"},
        **problem_responses(409),
    },
)
def place_order(ctx: ContextDep, session: SessionDep, principal: PrincipalDep, body: OrderIn) -> Response:
    """Place an order. ``(channel, external_id)`` (and the store, for store-scoped channels such as
    ``manual``, ``phone``, ``walk-in``) is the idempotency key: a retry returns the first order (200);
    the same key with another request is refused (422)."""
    placed = service.place_order(session, principal, body, ctx.messaging(), catalogs=ctx.catalogs, now=ctx.clock())
    session.commit()
    if placed.created:
        ctx.metrics.orders_created.labels(channel=principal.channel or body.channel or "manual").inc()
        ctx.wake_relay()
    else:
        ctx.metrics.orders_replayed.inc()
    view = placed.view or service.order_view(session, service.visible_order(session, principal, placed.order_id))
    out = masked_order(view, principal)
    if placed.created:
        return model_response(out, status.HTTP_201_CREATED)
    return model_response(out, status.HTTP_200_OK, {"Idempotent-Replayed": "true"})


def _reader(principal: PrincipalDep) -> None:
    if principal.role not in READERS:
        raise Forbidden(f"the {principal.role} role may not read orders")


@router.get("", response_model=list[OrderOut])
def list_orders(
    session: SessionDep,
    principal: PrincipalDep,
    store_id: Annotated[str | None, Query(max_length=64)] = None,
    status_: Annotated[OrderStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[OrderOut]:
    _reader(principal)
    query = select(Order).order_by(Order.placed_at.desc()).limit(limit)  # type: ignore[attr-defined]
    if store_id is not None:
        query = query.where(Order.store_id == store_id)
    if principal.store_ids is not None:
        query = query.where(Order.store_id.in_(sorted(principal.store_ids)))  # type: ignore[attr-defined]
    if principal.kind == "api_key":
        query = query.where(Order.channel == principal.channel)
    if status_ is not None:
        query = query.where(Order.status == status_.value)
    return [masked_order(service.order_view(session, o), principal) for o in session.exec(query).all()]


@router.get("/{order_id}", response_model=OrderOut)
def get_order(session: SessionDep, principal: PrincipalDep, order_id: str) -> OrderOut:
    _reader(principal)
    return masked_order(service.order_view(session, service.visible_order(session, principal, order_id)), principal)


@router.post("/{order_id}/status", response_model=OrderOut, responses=problem_responses(409))
def change_status(
    ctx: ContextDep, session: SessionDep, manager: ManagerDep, order_id: str, body: StatusChangeIn
) -> OrderOut:
    """Move the order to a new state; illegal transitions are refused with 409."""
    order = service.change_status(session, manager, order_id, body.status, body.reason, ctx.messaging())
    session.commit()
    ctx.wake_relay()
    return masked_order(service.order_view(session, order), manager)


@router.put("/{order_id}/lines", response_model=OrderOut, responses=problem_responses(409))
def change_lines(
    ctx: ContextDep, session: SessionDep, principal: PrincipalDep, order_id: str, body: OrderLinesIn
) -> OrderOut:
    """Change what the customer ordered while the kitchen can still act on it; the stations concerned
    get a change ticket (NEW / CANCELLED lines)."""
    if principal.role not in CHANGERS:
        raise Forbidden(f"the {principal.role} role may not change orders")
    order = changes.change_lines(session, principal, order_id, body.lines, ctx.messaging(), ctx.catalogs)
    session.commit()
    ctx.wake_relay()
    return masked_order(service.order_view(session, order), principal)


@router.post(
    "/{order_id}/refunds",
    response_model=RefundOut,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": RefundOut, "description": "this key was refunded before"}, **problem_responses(409)},
)
def refund(session: SessionDep, refunder: RefunderDep, order_id: str, body: RefundIn, response: Response) -> RefundOut:
    """Give money back on an order, whole or in part; the points earned on that share are taken back.
    The same key twice is one refund (200 the second time); refunds never exceed what was paid."""
    done, created = refunds.refund_order(
        session, refunder, order_id, key=body.key, amount_fen=body.amount_fen, reason=body.reason
    )
    session.commit()
    if not created:
        response.status_code = status.HTTP_200_OK
    return masked_refund(done, refunder)


@router.get("/{order_id}/events", response_model=list[OrderEventOut])
def order_events(session: SessionDep, principal: PrincipalDep, order_id: str) -> list[OrderEventOut]:
    """The order's append-only history, oldest first."""
    _reader(principal)
    service.visible_order(session, principal, order_id)
    query = select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)  # type: ignore[arg-type]
    events = [OrderEventOut.model_validate(e, from_attributes=True) for e in session.exec(query).all()]
    return masked_events(events, principal)
