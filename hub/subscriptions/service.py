"""Subscriptions' service layer: plans, store settings, subscriptions and their changes. Never commits."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlmodel import Session, col

from hub.billing.api import ChargePolicy, FailureCharge, FailureRule, balance_fen
from hub.customers.api import customers_table
from hub.db_types import new_id
from hub.errors import Conflict, InvalidInput, NotFound
from hub.kernel.principal import Principal
from hub.kernel.roles import Role
from hub.stores.api import stores_table
from hub.subscriptions import codec
from hub.subscriptions.frequency import Frequency
from hub.subscriptions.holiday_policy import HolidayPolicy
from hub.subscriptions.plans import DeliveryWindow, Plan, PlanItem, RenewalTerms
from hub.subscriptions.schedule import Subscription
from hub.subscriptions.schemas import (
    AddressIn,
    HistoryOut,
    ItemIn,
    PauseOut,
    PlanIn,
    PlanOut,
    StoreSettingsIn,
    StoreSettingsOut,
    SubscriptionIn,
    SubscriptionOut,
)
from hub.subscriptions.store_calendar import StoreCalendar
from hub.subscriptions.tables import (
    SubscriptionAddress,
    SubscriptionChange,
    SubscriptionPlanRecord,
    SubscriptionRecord,
    SubscriptionStoreSettings,
    SubscriptionTerm,
)
from hub.subscriptions.terms import terms_of
from hub.subscriptions.timeline import ChangeStamp

SEES_MONEY = frozenset({Role.ADMIN, Role.OPERATOR, Role.FINANCE, Role.STORE_MANAGER})


def items(body: list[ItemIn]) -> tuple[PlanItem, ...]:
    return tuple(PlanItem(i.sku, i.name, i.quantity, i.unit_price_fen) for i in body)


def plan_of(body: PlanIn) -> Plan:
    f = body.frequency
    return Plan(
        plan_id=body.id,
        name=body.name,
        kind=body.kind,
        price_fen=body.price_fen,
        items=items(body.items),
        frequency=Frequency(f.kind, frozenset(f.weekdays), f.rule),
        window=DeliveryWindow(body.window_start, body.window_end),
        holiday_policy=HolidayPolicy(body.holiday_handling, body.holiday_merge),
        renewal=RenewalTerms(**body.renewal.model_dump()),
        deliveries_included=body.deliveries_included,
        valid_days=body.valid_days,
    )


def plan_view(row: SubscriptionPlanRecord) -> PlanOut:
    plan = domain_plan(row)
    return PlanOut(
        id=row.id,
        name=row.name,
        kind=row.kind,
        price_fen=row.price_fen,
        active=row.active,
        delivery_amount_fen=plan.delivery_amount_fen,
        frequency=plan.frequency.describe(),
        window=plan.window.describe(),
        spec=row.spec,
    )


def domain_plan(row: SubscriptionPlanRecord) -> Plan:
    return codec.plan_from(row.id, row.name, row.kind, row.price_fen, row.spec)


def save_plan(session: Session, body: PlanIn, *, create: bool, now: datetime) -> SubscriptionPlanRecord:
    plan = plan_of(body)  # validates: InvalidPlan / InvalidDeliveryRule are 422
    row = session.get(SubscriptionPlanRecord, body.id)
    if create and row is not None:
        raise Conflict(f"plan {body.id!r} already exists")
    if not create and row is None:
        raise NotFound(f"no plan {body.id!r}")
    row = row or SubscriptionPlanRecord(id=body.id, name=body.name, kind=str(body.kind), price_fen=0, spec={})
    row.name, row.kind, row.price_fen = plan.name, str(plan.kind), plan.price_fen
    row.spec = codec.plan_spec(plan)
    row.updated_at = now
    session.add(row)
    session.flush()
    return row


def get_plan(session: Session, plan_id: str) -> SubscriptionPlanRecord:
    row = session.get(SubscriptionPlanRecord, plan_id)
    if row is None:
        raise NotFound(f"no plan {plan_id!r}")
    return row


def store_settings(session: Session, store_id: str) -> SubscriptionStoreSettings:
    return session.get(SubscriptionStoreSettings, store_id) or SubscriptionStoreSettings(store_id=store_id)


def settings_view(row: SubscriptionStoreSettings) -> StoreSettingsOut:
    return StoreSettingsOut.model_validate(row, from_attributes=True)


def put_store_settings(
    session: Session, store_id: str, body: StoreSettingsIn, now: datetime
) -> SubscriptionStoreSettings:
    cutoff = body.cutoff.strftime("%H:%M")
    codec.store_calendar(body.zone, cutoff)  # an unknown zone is a 422 here
    row = store_settings(session, store_id)
    row.zone, row.cutoff, row.route_count = body.zone, cutoff, body.route_count
    row.failed_charge, row.not_home_charge = body.failed_charge, body.not_home_charge
    row.low_balance_deliveries = body.low_balance_deliveries
    row.updated_at = now
    session.add(row)
    session.flush()
    return row


def calendar_of(row: SubscriptionStoreSettings) -> StoreCalendar:
    return codec.store_calendar(row.zone, row.cutoff)


def charge_policy(row: SubscriptionStoreSettings) -> ChargePolicy:
    return ChargePolicy(
        failed=FailureRule(FailureCharge(row.failed_charge)), not_home=FailureRule(FailureCharge(row.not_home_charge))
    )


def visible(session: Session, principal: Principal, subscription_id: str) -> SubscriptionRecord:
    row = session.get(SubscriptionRecord, subscription_id)
    if row is None or not principal.sees_store(row.store_id):
        raise NotFound("no subscription with this id")  # no id: it may be another store's
    return row


def check_store(principal: Principal, store_id: str) -> None:
    if not principal.sees_store(store_id):
        raise NotFound("no store with this id")  # no id: it may be another store's


def load(session: Session, row: SubscriptionRecord, plans: dict[str, Plan] | None = None) -> Subscription:
    plan = plans[row.plan_id] if plans is not None else domain_plan(get_plan(session, row.plan_id))
    return codec.subscription_from(
        subscription_id=row.id,
        customer_id=row.customer_id,
        store_id=row.store_id,
        plan=plan,
        store=calendar_of(store_settings(session, row.store_id)),
        start=row.start,
        facts=row.facts,
    )


def add_address(session: Session, customer_id: str, body: AddressIn) -> str:
    address = SubscriptionAddress(id=new_id(), customer_id=customer_id, line=body.line, lat=body.lat, lon=body.lon)
    session.add(address)
    return address.id


def _customer_exists(session: Session, customer_id: str) -> bool:
    customers = customers_table
    found = session.execute(select(customers.c.id).where(customers.c.id == customer_id)).first()
    return found is not None


def create(session: Session, principal: Principal, body: SubscriptionIn, now: datetime) -> SubscriptionRecord:
    check_store(principal, body.store_id)
    plan_row = get_plan(session, body.plan_id)
    if not plan_row.active:
        raise InvalidInput(f"plan {body.plan_id!r} is no longer sold")
    if not _customer_exists(session, body.customer_id):
        raise InvalidInput(f"no customer {body.customer_id!r}")
    stores = stores_table
    if session.execute(select(stores.c.id).where(stores.c.id == body.store_id)).first() is None:
        raise InvalidInput(f"no store {body.store_id!r}")
    address_id = add_address(session, body.customer_id, body.address)
    sub = Subscription.begin(
        subscription_id=new_id(),
        customer_id=body.customer_id,
        store_id=body.store_id,
        plan=domain_plan(plan_row),
        store=calendar_of(store_settings(session, body.store_id)),
        start=body.start,
        address_id=address_id,
        by=ChangeStamp(principal.label, now),
        instructions=body.instructions,
    )
    row = SubscriptionRecord(
        id=sub.subscription_id,
        customer_id=sub.customer_id,
        store_id=sub.store_id,
        plan_id=plan_row.id,
        start=sub.start,
        facts=codec.facts_json(sub),
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    record_history(session, row, Subscription.__new__(Subscription), sub)
    sync_terms(session, row, sub)
    return row


def sync_terms(session: Session, row: SubscriptionRecord, sub: Subscription) -> None:
    """Rewrite the subscription's term rows from its timeline (only the ones that differ)."""
    stored = {
        t.seq: t
        for t in session.execute(
            select(SubscriptionTerm).where(col(SubscriptionTerm.subscription_id) == row.id)
        ).scalars()
    }
    wanted = terms_of(sub)
    for term in wanted:
        found = stored.pop(term.seq, None)
        if found is not None and (found.term_start, found.term_end, found.automatic, found.plan_id) == (
            term.start,
            term.end,
            term.automatic,
            row.plan_id,
        ):
            continue
        if found is None:
            found = SubscriptionTerm(
                subscription_id=row.id,
                seq=term.seq,
                store_id=row.store_id,
                customer_id=row.customer_id,
                plan_id=row.plan_id,
                term_start=term.start,
                term_end=term.end,
            )
        found.store_id, found.customer_id, found.plan_id = row.store_id, row.customer_id, row.plan_id
        found.term_start, found.term_end, found.automatic = term.start, term.end, term.automatic
        session.add(found)
    for extra in stored.values():
        session.delete(extra)
    session.flush()


def record_history(session: Session, row: SubscriptionRecord, before: Subscription, after: Subscription) -> None:
    known = len(getattr(before, "history", ()))
    for entry in after.history[known:]:
        session.add(
            SubscriptionChange(
                subscription_id=row.id,
                kind=str(entry.kind),
                actor=entry.stamp.actor,
                at=entry.stamp.at,
                summary=entry.summary,
            )
        )


def store(session: Session, row: SubscriptionRecord, before: Subscription, after: Subscription, now: datetime) -> None:
    row.facts = codec.facts_json(after)
    if after.cancellation is not None:
        row.cancelled_from, row.cancel_reason = after.cancellation.effective, after.cancellation.reason
    row.updated_at = now
    session.add(row)
    record_history(session, row, before, after)
    if before.renewals != after.renewals:
        sync_terms(session, row, after)
    session.flush()


def history(session: Session, subscription_id: str) -> list[HistoryOut]:
    stmt = select(SubscriptionChange).where(col(SubscriptionChange.subscription_id) == subscription_id)
    rows = session.execute(stmt.order_by(col(SubscriptionChange.id))).scalars()
    return [HistoryOut(kind=r.kind, actor=r.actor, at=r.at, summary=r.summary) for r in rows]


def view(session: Session, principal: Principal, row: SubscriptionRecord, now: datetime) -> SubscriptionOut:
    sub = load(session, row)
    today = sub.store.local_date(now)
    status = sub.status_on(today)
    return SubscriptionOut(
        id=row.id,
        customer_id=row.customer_id,
        store_id=row.store_id,
        plan_id=row.plan_id,
        start=row.start,
        status=str(status),
        counts_as_churn=status.counts_as_churn,
        ends_on=sub.ends_on,
        first_changeable=sub.store.first_changeable(now),
        remaining_deliveries=sub.remaining_deliveries(today),
        punches_left=sub.punches_left(today),
        balance_fen=balance_fen(session, row.customer_id) if principal.role in SEES_MONEY else None,
        instructions=sub.terms_on(max(today, sub.start)).instructions,
        pauses=[PauseOut(first=p.first, last=p.last) for p in sorted(sub.pauses, key=lambda p: p.first)],
        cancelled_from=row.cancelled_from,
        cancel_reason=row.cancel_reason,
        history=history(session, row.id),
    )


def business_today(session: Session, store_id: str, now: datetime) -> date:
    return calendar_of(store_settings(session, store_id)).local_date(now)
