"""The subscriptions' daily upkeep: reminders, automatic renewal and prepaid expiry. Never commits.

For every open subscription, in its store's zone and on its store's business date:
- automatic renewal at the term's end (``lead_days`` before its last day), only with a recorded
  consent (who, when, how, up to which price) covering the renewal price; the renewal's charge
  (a payment order for the renewal price) is created once per (subscription, new term);
- the expiring-plan reminder from ``remind_days_before`` days before the term's last day, once per
  (subscription, term end); it says whether the plan renews automatically;
- the low-balance reminder below the store's ``low_balance_deliveries`` deliveries, once per
  (subscription, funding): a new top-up starts the next period;
and, for customers whose plans all limit how long prepaid value stays spendable, the expiry of
each top-up's unspent rest (once per top-up). It also fills the term rows (renewal rate) of
subscriptions stored before they existed. Reminders go through the notification outbox, whose
key makes a second run queue nothing.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlmodel import Session, col

from hub.billing.api import (
    AutoRenewConsent,
    RenewalDecision,
    consent_of,
    decide_auto_renewal,
    expire_prepaid,
    load_ledger,
    low_balance,
    open_renewal_charge,
    plan_expiring,
)
from hub.notifications.api import Channel, SendIn, queue_message
from hub.subscriptions import service
from hub.subscriptions.plans import Plan, items_amount_fen
from hub.subscriptions.schedule import Subscription, SubscriptionStatus
from hub.subscriptions.tables import (
    SubscriptionPlanRecord,
    SubscriptionRecord,
    SubscriptionStoreSettings,
    SubscriptionTerm,
)
from hub.subscriptions.timeline import ChangeStamp

logger = logging.getLogger(__name__)
ACTOR = "system:subscriptions-upkeep"
EXPIRING_TEMPLATE = "subscription-expiring"
LOW_BALANCE_TEMPLATE = "subscription-low-balance"
RENEW_LEAD_DAYS = 1
CLOSED = frozenset({SubscriptionStatus.CANCELLED, SubscriptionStatus.ENDED})


@dataclass
class UpkeepRun:
    renewed: int = 0
    expiring_reminders: int = 0
    low_balance_reminders: int = 0
    expired_fen: int = 0


def run_upkeep(session: Session, now: datetime) -> UpkeepRun:
    run = UpkeepRun()
    plans = {r.id: service.domain_plan(r) for r in session.execute(select(SubscriptionPlanRecord)).scalars()}
    settings: dict[str, SubscriptionStoreSettings] = {}
    expiry_policy: dict[str, list[int | None]] = defaultdict(list)
    customer_day: dict[str, tuple[date, str]] = {}
    term_of = col(SubscriptionTerm.subscription_id)
    counted = select(term_of, func.count()).group_by(term_of)
    term_rows: dict[str, int] = {str(sub_id): int(n) for sub_id, n in session.execute(counted).all()}
    rows = session.execute(select(SubscriptionRecord).order_by(col(SubscriptionRecord.created_at))).scalars()
    for row in list(rows):
        store = settings.setdefault(row.store_id, service.store_settings(session, row.store_id))
        sub = service.load(session, row, plans)
        if term_rows.get(row.id, 0) != len(sub.renewals) + 1:
            service.sync_terms(session, row, sub)  # stored before the terms table existed
        today = sub.store.local_date(now)
        if sub.status_on(today) in CLOSED:
            continue
        expiry_policy[row.customer_id].append(sub.plan.renewal.prepaid_valid_days)
        customer_day.setdefault(row.customer_id, (today, row.store_id))
        consent = consent_of(session, row.id)
        sub = _renew_if_due(session, row, sub, consent, today, now, run)
        _remind_expiring(session, sub, consent, today, now, run)
        _remind_low_balance(session, sub, store, today, run)
    for customer_id, policies in expiry_policy.items():
        if any(days is None for days in policies):
            continue  # one plan without a limit: nothing of the shared balance expires
        today, store_id = customer_day[customer_id]
        valid_days = max(days for days in policies if days is not None)
        run.expired_fen += expire_prepaid(
            session, customer_id, valid_days=valid_days, today=today, at=now, store_id=store_id
        )
    return run


def _renews(plan: Plan, consent: AutoRenewConsent | None, now: datetime) -> bool:
    return (
        plan.renewal.auto_renew_offered
        and consent is not None
        and consent.active_at(now)
        and plan.renewal_price_fen <= consent.max_price_fen
    )


def _renew_if_due(
    session: Session,
    row: SubscriptionRecord,
    sub: Subscription,
    consent: AutoRenewConsent | None,
    today: date,
    now: datetime,
    run: UpkeepRun,
) -> Subscription:
    if today > sub.ends_on:
        return sub  # already over: a late job does not renew terms in the past
    check = decide_auto_renewal(
        subscription_id=row.id,
        ends_on=sub.ends_on,
        today=today,
        now=now,
        consent=consent,
        offered=sub.plan.renewal.auto_renew_offered,
        price_fen=sub.plan.renewal_price_fen,
        lead_days=RENEW_LEAD_DAYS,
    )
    if check.decision is not RenewalDecision.RENEW:
        return sub
    renewed = sub.renew(by=ChangeStamp(ACTOR, now), automatic=True)
    term_start = renewed.renewals[-1].term_start
    order, created = open_renewal_charge(
        session,
        subscription_id=row.id,
        customer_id=row.customer_id,
        store_id=row.store_id,
        term_start=term_start,
        price_fen=sub.plan.renewal_price_fen,
    )
    if not created:
        return sub  # this term's renewal was charged already (the history says so too)
    service.store(session, row, sub, renewed, now)
    run.renewed += 1
    logger.info("subscription %s renewed automatically from %s; charge %s", row.id, term_start, order.reference)
    return renewed


def _remind_expiring(
    session: Session,
    sub: Subscription,
    consent: AutoRenewConsent | None,
    today: date,
    now: datetime,
    run: UpkeepRun,
) -> None:
    fact = plan_expiring(
        subscription_id=sub.subscription_id,
        ends_on=sub.ends_on,
        today=today,
        remind_days_before=sub.plan.renewal.remind_days_before,
        remaining_deliveries=sub.remaining_deliveries(today),
        renews_automatically=_renews(sub.plan, consent, now),
    )
    if fact is not None and _queue(session, sub.customer_id, EXPIRING_TEMPLATE, fact.key):
        run.expiring_reminders += 1


def _remind_low_balance(
    session: Session, sub: Subscription, store: SubscriptionStoreSettings, today: date, run: UpkeepRun
) -> None:
    per_delivery = items_amount_fen(sub.terms_on(max(today, sub.start)).items)
    fact = low_balance(
        load_ledger(session, sub.customer_id),
        per_delivery_fen=per_delivery,
        threshold_deliveries=store.low_balance_deliveries,
        subject=sub.subscription_id,
    )
    if fact is not None and _queue(session, sub.customer_id, LOW_BALANCE_TEMPLATE, fact.key):
        run.low_balance_reminders += 1


def _queue(session: Session, customer_id: str, template: str, key: str) -> bool:
    """Through the notification outbox: True when queued now (the same key queues once)."""
    body = SendIn(template_id=template, channel=Channel.WECHAT, key=key.replace(" ", "_")[:120])
    return queue_message(session, customer_id, body, ACTOR)[1]
