"""Plans, store cut-off settings, subscriptions and their changes over REST."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Path, status
from sqlalchemy import select
from sqlmodel import Session, col

from hub.billing.api import AutoRenewConsent, active_consent, record_consent, revoke_consent
from hub.deps import ContextDep, ManagerDep, OperatorDep, SessionDep, StaffDep, require
from hub.errors import InvalidInput, NotFound
from hub.kernel.principal import Principal
from hub.kernel.roles import Role
from hub.problems import problem_responses
from hub.stores.api import stores_table
from hub.subscriptions import service
from hub.subscriptions.plans import DeliveryWindow
from hub.subscriptions.schedule import Subscription
from hub.subscriptions.schemas import (
    CancelIn,
    ChangeIn,
    ConsentIn,
    ConsentOut,
    ExtraIn,
    PauseIn,
    PlanIn,
    PlanOut,
    ResumeIn,
    SkipIn,
    StoreSettingsIn,
    StoreSettingsOut,
    SubscriptionIn,
    SubscriptionOut,
)
from hub.subscriptions.tables import SubscriptionPlanRecord, SubscriptionRecord
from hub.subscriptions.timeline import ChangeStamp

router = APIRouter(tags=["subscriptions"], responses=problem_responses(401, 403, 404, 422))
ReaderDep = Annotated[Principal, Depends(require(Role.ADMIN, Role.OPERATOR, Role.STORE_MANAGER, Role.FINANCE))]
SubscriptionId = Annotated[str, Path(max_length=36)]
PlanId = Annotated[str, Path(max_length=64)]
StoreId = Annotated[str, Path(max_length=64)]


@router.get("/subscription-plans", response_model=list[PlanOut])
def list_plans(session: SessionDep, _staff: StaffDep) -> list[PlanOut]:
    rows = session.execute(select(SubscriptionPlanRecord).order_by(col(SubscriptionPlanRecord.id))).scalars()
    return [service.plan_view(r) for r in rows]


@router.post(
    "/subscription-plans", response_model=PlanOut, status_code=status.HTTP_201_CREATED, responses=problem_responses(409)
)
def create_plan(session: SessionDep, ctx: ContextDep, _op: OperatorDep, body: PlanIn) -> PlanOut:
    row = service.save_plan(session, body, create=True, now=ctx.clock())
    session.commit()
    return service.plan_view(row)


@router.get("/subscription-plans/{plan_id}", response_model=PlanOut)
def get_plan(session: SessionDep, _staff: StaffDep, plan_id: PlanId) -> PlanOut:
    return service.plan_view(service.get_plan(session, plan_id))


@router.put("/subscription-plans/{plan_id}", response_model=PlanOut)
def update_plan(session: SessionDep, ctx: ContextDep, _op: OperatorDep, plan_id: PlanId, body: PlanIn) -> PlanOut:
    """Changes what new subscriptions get and what existing ones deliver from now on (items they changed stay)."""
    if body.id != plan_id:
        raise InvalidInput("the plan id in the body must match the path")
    row = service.save_plan(session, body, create=False, now=ctx.clock())
    session.commit()
    return service.plan_view(row)


@router.delete("/subscription-plans/{plan_id}", response_model=PlanOut)
def retire_plan(session: SessionDep, ctx: ContextDep, _op: OperatorDep, plan_id: PlanId) -> PlanOut:
    """No longer sold; running subscriptions keep it."""
    row = service.get_plan(session, plan_id)
    row.active, row.updated_at = False, ctx.clock()
    session.add(row)
    session.commit()
    return service.plan_view(row)


@router.get("/stores/{store_id}/subscription-settings", response_model=StoreSettingsOut)
def get_settings(session: SessionDep, staff: ReaderDep, store_id: StoreId) -> StoreSettingsOut:
    service.check_store(staff, store_id)
    return service.settings_view(service.store_settings(session, store_id))


@router.put("/stores/{store_id}/subscription-settings", response_model=StoreSettingsOut)
def put_settings(
    session: SessionDep, ctx: ContextDep, manager: ManagerDep, store_id: StoreId, body: StoreSettingsIn
) -> StoreSettingsOut:
    service.check_store(manager, store_id)
    stores = stores_table
    if session.execute(select(stores.c.id).where(stores.c.id == store_id)).first() is None:
        raise NotFound(f"no store {store_id!r}")
    row = service.put_store_settings(session, store_id, body, ctx.clock())
    session.commit()
    return service.settings_view(row)


@router.post(
    "/subscriptions",
    response_model=SubscriptionOut,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409),
)
def create_subscription(
    session: SessionDep, ctx: ContextDep, manager: ManagerDep, body: SubscriptionIn
) -> SubscriptionOut:
    now = ctx.clock()
    row = service.create(session, manager, body, now)
    session.commit()
    return service.view(session, manager, row, now)


@router.get("/subscriptions/{subscription_id}", response_model=SubscriptionOut)
def get_subscription(
    session: SessionDep, ctx: ContextDep, reader: ReaderDep, subscription_id: SubscriptionId
) -> SubscriptionOut:
    """Status, remaining deliveries, balance (for who sees money) and every change with who and when."""
    return service.view(session, reader, service.visible(session, reader, subscription_id), ctx.clock())


@router.get("/customers/{customer_id}/subscriptions", response_model=list[SubscriptionOut])
def customer_subscriptions(
    session: SessionDep, ctx: ContextDep, reader: ReaderDep, customer_id: Annotated[str, Path(max_length=36)]
) -> list[SubscriptionOut]:
    now = ctx.clock()
    stmt = select(SubscriptionRecord).where(col(SubscriptionRecord.customer_id) == customer_id)
    rows = [r for r in session.execute(stmt.order_by(col(SubscriptionRecord.created_at))).scalars()]
    return [service.view(session, reader, r, now) for r in rows if reader.sees_store(r.store_id)]


def _change(
    session: Session,
    ctx: ContextDep,
    principal: Principal,
    subscription_id: str,
    command: Callable[[Subscription, ChangeStamp], Subscription],
) -> SubscriptionOut:
    now = ctx.clock()
    row = service.visible(session, principal, subscription_id)
    before = service.load(session, row)
    after = command(before, ChangeStamp(principal.label, now))
    service.store(session, row, before, after, now)
    session.commit()
    return service.view(session, principal, row, now)


CHANGE = problem_responses(409)


@router.post("/subscriptions/{subscription_id}/pauses", response_model=SubscriptionOut, responses=CHANGE)
def pause(
    session: SessionDep, ctx: ContextDep, manager: ManagerDep, subscription_id: SubscriptionId, body: PauseIn
) -> SubscriptionOut:
    """A vacation: nothing from ``first`` through ``last`` (open-ended without ``last``). Not churn."""
    return _change(session, ctx, manager, subscription_id, lambda s, by: s.pause(body.first, body.last, by=by))


@router.post("/subscriptions/{subscription_id}/resume", response_model=SubscriptionOut, responses=CHANGE)
def resume(
    session: SessionDep, ctx: ContextDep, manager: ManagerDep, subscription_id: SubscriptionId, body: ResumeIn
) -> SubscriptionOut:
    return _change(session, ctx, manager, subscription_id, lambda s, by: s.resume(body.on, by=by))


@router.post("/subscriptions/{subscription_id}/skips", response_model=SubscriptionOut, responses=CHANGE)
def skip(
    session: SessionDep, ctx: ContextDep, manager: ManagerDep, subscription_id: SubscriptionId, body: SkipIn
) -> SubscriptionOut:
    return _change(session, ctx, manager, subscription_id, lambda s, by: s.skip(body.day, by=by, reason=body.reason))


@router.post("/subscriptions/{subscription_id}/extras", response_model=SubscriptionOut, responses=CHANGE)
def extra(
    session: SessionDep, ctx: ContextDep, manager: ManagerDep, subscription_id: SubscriptionId, body: ExtraIn
) -> SubscriptionOut:
    extra_items = service.items(body.items) if body.items else None
    return _change(
        session, ctx, manager, subscription_id, lambda s, by: s.add_extra(body.day, by=by, items=extra_items)
    )


@router.post("/subscriptions/{subscription_id}/changes", response_model=SubscriptionOut, responses=CHANGE)
def change(
    session: SessionDep, ctx: ContextDep, manager: ManagerDep, subscription_id: SubscriptionId, body: ChangeIn
) -> SubscriptionOut:
    """Items, address, window or instructions from a future (still changeable) date on."""
    if (body.window_start is None) != (body.window_end is None):
        raise InvalidInput("a new window needs both window_start and window_end")
    window = DeliveryWindow(body.window_start, body.window_end) if body.window_start and body.window_end else None
    new_items = service.items(body.items) if body.items else None
    row = service.visible(session, manager, subscription_id)
    address_id = service.add_address(session, row.customer_id, body.address) if body.address else None

    def command(s: Subscription, by: ChangeStamp) -> Subscription:
        return s.change_terms(
            body.effective_from,
            by=by,
            items=new_items,
            address_id=address_id,
            window=window,
            instructions=body.instructions,
        )

    return _change(session, ctx, manager, subscription_id, command)


@router.post("/subscriptions/{subscription_id}/cancel", response_model=SubscriptionOut, responses=CHANGE)
def cancel(
    session: SessionDep, ctx: ContextDep, manager: ManagerDep, subscription_id: SubscriptionId, body: CancelIn
) -> SubscriptionOut:
    return _change(session, ctx, manager, subscription_id, lambda s, by: s.cancel(body.effective, body.reason, by=by))


def _consent_view(subscription_id: str, row: object | None) -> ConsentOut:
    if row is None:
        return ConsentOut(
            subscription_id=subscription_id,
            auto_renew=False,
            max_price_fen=None,
            granted_by=None,
            granted_at=None,
            method=None,
        )
    return ConsentOut(
        subscription_id=subscription_id,
        auto_renew=True,
        max_price_fen=getattr(row, "max_price_fen", None),
        granted_by=getattr(row, "granted_by", None),
        granted_at=getattr(row, "granted_at", None),
        method=getattr(row, "method", None),
    )


@router.put("/subscriptions/{subscription_id}/auto-renew", response_model=ConsentOut)
def give_consent(
    session: SessionDep, ctx: ContextDep, manager: ManagerDep, subscription_id: SubscriptionId, body: ConsentIn
) -> ConsentOut:
    """Record the customer's consent to automatic renewal: who, when, how, which wording, up to which price."""
    row = service.visible(session, manager, subscription_id)
    if not service.load(session, row).plan.renewal.auto_renew_offered:
        raise InvalidInput(f"plan {row.plan_id} does not offer automatic renewal")
    now = ctx.clock()
    consent = AutoRenewConsent(
        subscription_id=row.id,
        given_by=body.given_by or f"customer:{row.customer_id}",
        given_at=now,
        method=body.method,
        wording_version=body.wording_version,
        max_price_fen=body.max_price_fen,
    )
    stored = record_consent(session, subscription_id=row.id, customer_id=row.customer_id, consent=consent)
    session.commit()
    return _consent_view(row.id, stored)


@router.delete("/subscriptions/{subscription_id}/auto-renew", response_model=ConsentOut)
def revoke(session: SessionDep, ctx: ContextDep, manager: ManagerDep, subscription_id: SubscriptionId) -> ConsentOut:
    row = service.visible(session, manager, subscription_id)
    revoke_consent(session, row.id, by=manager.label, at=ctx.clock())
    session.commit()
    return _consent_view(row.id, None)


@router.get("/subscriptions/{subscription_id}/auto-renew", response_model=ConsentOut)
def consent(session: SessionDep, reader: ReaderDep, subscription_id: SubscriptionId) -> ConsentOut:
    row = service.visible(session, reader, subscription_id)
    return _consent_view(row.id, active_consent(session, row.id))
