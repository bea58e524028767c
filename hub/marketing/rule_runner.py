"""Running a rule: set-based SQL, batch by batch, every action keyed by (rule, customer, period).

One batch is one transaction: insert the rule's actions (ON CONFLICT DO NOTHING on the key),
grant their coupons (ON CONFLICT on the grant key), queue their notifications (ON CONFLICT on
the dedupe key). A re-run, a crash half-way or a second hub process therefore never grants or
sends twice; the advisory lock only spares the second process the work.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, literal, or_, select, text, update
from sqlalchemy.engine import Connection
from sqlmodel import Session

from hub.crm.api import score_missing, store_timezones
from hub.db import Database
from hub.db_types import UTCDateTime
from hub.errors import Conflict, NotFound
from hub.kernel.job_lock import session_lock
from hub.kernel.sql_dialect import insert_for
from hub.marketing.coupons import coupons, get_template, validity
from hub.marketing.rule_effects import grant_coupons, queue_messages
from hub.marketing.rule_schemas import RuleRunOut
from hub.marketing.rule_targeting import (
    Targeting,
    audience_condition,
    customers,
    profiles,
    reachable,
    scheduled_targeting,
    stats,
)
from hub.marketing.rules import SCHEDULED, Audience, Trigger
from hub.marketing.tables import MarketingRule, RuleAction
from hub.notifications.api import Notification

logger = logging.getLogger(__name__)

rules = MarketingRule.__table__  # type: ignore[attr-defined]
actions = RuleAction.__table__  # type: ignore[attr-defined]
notifications = Notification.__table__  # type: ignore[attr-defined]

MAX_BATCHES = 100_000
Conn = Connection | Session


@dataclass(frozen=True)
class RuleSpec:
    id: str
    trigger: Trigger
    params: dict[str, Any]
    audience: Audience
    coupon_template_id: str | None
    message_template_id: str | None
    channels: tuple[str, ...]
    cooldown_days: int
    attribution_days: int
    enabled: bool


def load_rule(conn: Conn, rule_id: str) -> RuleSpec:
    row = conn.execute(select(rules).where(rules.c.id == rule_id)).first()
    if row is None:
        raise NotFound(f"no rule {rule_id!r}")
    return RuleSpec(
        id=row.id,
        trigger=Trigger(row.trigger),
        params=dict(row.params),
        audience=Audience.model_validate(row.audience),
        coupon_template_id=row.coupon_template_id,
        message_template_id=row.message_template_id,
        channels=tuple(row.channels),
        cooldown_days=row.cooldown_days,
        attribution_days=row.attribution_days,
        enabled=row.enabled,
    )


@dataclass
class Counts:
    targeted: int = 0
    granted: int = 0
    queued: int = 0

    def add(self, other: Counts) -> None:
        self.targeted += other.targeted
        self.granted += other.granted
        self.queued += other.queued


def coupon_terms(conn: Conn, spec: RuleSpec, now: datetime, *, lock: bool = True) -> Any | None:
    """The template row when coupons can be granted; raises Conflict when the rule cannot act."""
    if spec.coupon_template_id is None:
        return None
    template = get_template(conn, spec.coupon_template_id, lock=lock)
    _, until = validity(template, now)
    if not template.active or until <= now:
        raise Conflict(f"rule {spec.id}: coupon template {template.id!r} is inactive or has ended")
    return template


def act(
    conn: Conn,
    spec: RuleSpec,
    targeting: Targeting,
    *,
    now: datetime,
    lower: str | None = None,
    upper: str | None = None,
    customer_id: str | None = None,
) -> Counts:
    """One batch (customers with lower < id <= upper, or one customer) in the caller's transaction."""
    run_id = str(uuid.uuid4())
    template = coupon_terms(conn, spec, now)
    remaining = None
    if template is not None and template.total_limit is not None:
        remaining = template.total_limit - template.issued_count
        if remaining <= 0:
            return Counts()
    counts = Counts(
        targeted=_insert_actions(conn, spec, targeting, template, now, run_id, lower, upper, remaining, customer_id)
    )
    if counts.targeted == 0:
        return counts
    if template is not None:
        counts.granted = grant_coupons(conn, spec, template, now, run_id)
    if spec.message_template_id is not None:
        counts.queued = queue_messages(conn, spec, now, run_id)
    return counts


def targets_query(
    spec: RuleSpec,
    targeting: Targeting,
    template: Any | None,
    now: datetime,
    run_id: str,
    lower: str | None,
    upper: str | None,
    remaining: int | None,
    customer_id: str | None,
) -> Any:
    """The rule's action rows for these customers: the ones it acts on now and has not acted on yet."""
    period = targeting.period
    # What the rule already did in this range, read once and hash-joined: an anti-join against the
    # table this statement is filling would rescan the new rows for every candidate.
    done_query = select(actions.c.customer_id, actions.c.period_key, actions.c.at).where(actions.c.rule_id == spec.id)
    if customer_id is not None:
        done_query = done_query.where(actions.c.customer_id == customer_id)
    if lower is not None:
        done_query = done_query.where(actions.c.customer_id > lower)
    if upper is not None:
        done_query = done_query.where(actions.c.customer_id <= upper)
    done = done_query.cte("done").prefix_with("MATERIALIZED")
    already: Any = done.c.period_key == period
    if spec.cooldown_days > 0:
        cooled = literal(now - timedelta(days=spec.cooldown_days), UTCDateTime)
        already = or_(already, done.c.at >= cooled)
    source = stats.join(customers, customers.c.id == stats.c.customer_id)
    if targeting.needs_profile:
        source = source.join(profiles, profiles.c.customer_id == stats.c.customer_id)
    source = source.outerjoin(done, and_(done.c.customer_id == stats.c.customer_id, already))  # anti-join
    query = (
        select(
            literal(spec.id),
            stats.c.customer_id,
            period,
            literal(f"rule:{spec.id}:") + stats.c.customer_id + literal(":") + period,
            literal(run_id),
            literal(now, UTCDateTime),
            literal(now + timedelta(days=spec.attribution_days), UTCDateTime),
        )
        .select_from(source)
        .where(
            targeting.condition,
            audience_condition(spec.audience),
            reachable(),
            done.c.customer_id.is_(None),
        )
    )
    if customer_id is not None:
        query = query.where(stats.c.customer_id == customer_id)
    if lower is not None:
        query = query.where(stats.c.customer_id > lower)
    if upper is not None:
        query = query.where(stats.c.customer_id <= upper)
    if template is not None and template.per_customer_limit is not None:
        held = select(func.count()).where(
            coupons.c.template_id == template.id, coupons.c.customer_id == stats.c.customer_id
        )
        query = query.where(held.scalar_subquery() < template.per_customer_limit)
    if remaining is not None:
        query = query.order_by(stats.c.customer_id).limit(remaining)
    return query


def _insert_actions(
    conn: Conn,
    spec: RuleSpec,
    targeting: Targeting,
    template: Any | None,
    now: datetime,
    run_id: str,
    lower: str | None,
    upper: str | None,
    remaining: int | None,
    customer_id: str | None,
) -> int:
    query = targets_query(spec, targeting, template, now, run_id, lower, upper, remaining, customer_id)
    insert = insert_for(conn)(actions).from_select(
        ["rule_id", "customer_id", "period_key", "grant_key", "run_id", "at", "attribution_until"], query
    )
    conn.execute(insert.on_conflict_do_nothing())
    # counted by the batch's own run id: SQLite reports no row count for a statement starting WITH
    return int(conn.execute(select(func.count()).where(actions.c.run_id == run_id)).scalar_one())


def _batch_upper(conn: Conn, lower: str | None, batch_size: int) -> str | None:
    query = select(stats.c.customer_id).order_by(stats.c.customer_id).offset(batch_size - 1).limit(1)
    if lower is not None:
        query = query.where(stats.c.customer_id > lower)
    value = conn.execute(query).scalar()
    return str(value) if value is not None else None


def scheduled_spec(db: Database, rule_id: str, *, now: datetime, default_tz: str) -> tuple[RuleSpec, Targeting]:
    with db.engine.connect() as conn:
        spec = load_rule(conn, rule_id)
        zones = store_timezones(conn)
    if spec.trigger not in SCHEDULED:
        raise Conflict(f"rule {rule_id} reacts to events; it has no scheduled run")
    return spec, scheduled_targeting(spec.trigger, spec.params, now=now, zones=zones, default_tz=default_tz)


def _complete_figures(db: Database, now: datetime, default_tz: str) -> int:
    """Customers created since the last recompute (no order yet, or just imported) get their figures first."""
    with db.engine.begin() as conn:
        return score_missing(conn, now=now, default_tz=default_tz)


def run_rule(
    db: Database,
    rule_id: str,
    *,
    now: datetime,
    default_tz: str,
    batch_size: int = 50_000,
    lock: bool = True,
    require_enabled: bool = True,
) -> RuleRunOut:
    """Run a scheduled rule over every customer, batch by batch (each batch its own transaction)."""
    started = time.perf_counter()
    spec, targeting = scheduled_spec(db, rule_id, now=now, default_tz=default_tz)
    if require_enabled and not spec.enabled:
        raise Conflict(f"rule {rule_id} is disabled; enable it first")
    total = Counts()
    with session_lock(db.engine, f"rule:{rule_id}") as acquired:
        if lock and not acquired:
            logger.info("rule %s is running in another hub process; skipped", rule_id)
            return RuleRunOut(rule_id=rule_id, ran=False, targeted=0, granted=0, queued=0, seconds=0.0)
        _complete_figures(db, now, default_tz)
        if db.is_postgres:  # fresh statistics: the planner then hash-joins against what the rule already did
            with db.engine.begin() as conn:
                conn.execute(text("ANALYZE rule_actions"))
        lower: str | None = None
        for _ in range(MAX_BATCHES):
            with db.engine.begin() as conn:
                upper = _batch_upper(conn, lower, batch_size)
                total.add(act(conn, spec, targeting, now=now, lower=lower, upper=upper))
            if upper is None:
                break
            lower = upper
        with db.engine.begin() as conn:
            conn.execute(update(rules).where(rules.c.id == rule_id).values(last_run_at=now))
    seconds = time.perf_counter() - started
    logger.info(
        "rule %s: %d targeted, %d coupons, %d messages queued in %.2fs",
        rule_id,
        total.targeted,
        total.granted,
        total.queued,
        seconds,
    )
    return RuleRunOut(
        rule_id=rule_id, ran=True, targeted=total.targeted, granted=total.granted, queued=total.queued, seconds=seconds
    )


def enabled_rule_ids(db: Database) -> list[str]:
    """The enabled scheduled rules, by id."""
    with db.engine.connect() as conn:
        return list(
            conn.execute(
                select(rules.c.id)
                .where(rules.c.enabled.is_(True), rules.c.trigger.in_([t.value for t in SCHEDULED]))
                .order_by(rules.c.id)
            ).scalars()
        )


def run_scheduled_rules(db: Database, *, now: datetime, default_tz: str) -> list[RuleRunOut]:
    """Every enabled scheduled rule; a rule that cannot act is logged and the others still run."""
    results = []
    for rule_id in enabled_rule_ids(db):
        try:
            results.append(run_rule(db, rule_id, now=now, default_tz=default_tz))
        except Conflict as exc:
            logger.warning("rule %s did not run: %s", rule_id, exc.detail)
    return results
