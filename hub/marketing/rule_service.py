"""Automation rules: list, create, edit, and what each one did."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlmodel import Session

from hub.db_types import utcnow
from hub.errors import Conflict, InvalidInput, NotFound
from hub.marketing.coupons import coupons, templates
from hub.marketing.rule_runner import actions, notifications
from hub.marketing.rule_schemas import RuleIn, RuleOut, RulePatch, RuleStatsOut
from hub.marketing.rules import Audience, Trigger, contradiction, parse_params
from hub.marketing.tables import MarketingRule
from hub.notifications.api import MessageTemplate
from hub.orders.api import Order

orders = Order.__table__  # type: ignore[attr-defined]
messages = MessageTemplate.__table__  # type: ignore[attr-defined]
NOT_COUNTED = ("cancelled", "failed")


def rule_view(rule: Any) -> RuleOut:
    return RuleOut(
        id=rule.id,
        name=rule.name,
        trigger=Trigger(rule.trigger),
        params=dict(rule.params),
        audience=Audience.model_validate(rule.audience),
        coupon_template_id=rule.coupon_template_id,
        message_template_id=rule.message_template_id,
        channels=list(rule.channels),
        cooldown_days=rule.cooldown_days,
        attribution_days=rule.attribution_days,
        enabled=rule.enabled,
        last_run_at=rule.last_run_at,
    )


def _check_refs(session: Session, coupon_template_id: str | None, message_template_id: str | None) -> None:
    if (
        coupon_template_id is not None
        and session.execute(select(exists().where(templates.c.id == coupon_template_id))).scalar() is not True
    ):
        raise InvalidInput(f"no coupon template {coupon_template_id!r}")
    if (
        message_template_id is not None
        and session.execute(select(exists().where(messages.c.id == message_template_id))).scalar() is not True
    ):
        raise InvalidInput(f"no message template {message_template_id!r}")


def get_rule(session: Session, rule_id: str) -> MarketingRule:
    rule = session.get(MarketingRule, rule_id)
    if rule is None:
        raise NotFound(f"no rule {rule_id!r}")
    return rule


def create_rule(session: Session, body: RuleIn) -> MarketingRule:
    if session.get(MarketingRule, body.id) is not None:
        raise Conflict(f"rule {body.id!r} already exists")
    _check_refs(session, body.coupon_template_id, body.message_template_id)
    rule = MarketingRule(
        id=body.id,
        name=body.name,
        trigger=body.trigger.value,
        params=body.params,
        audience=body.audience.model_dump(exclude_none=True, mode="json"),
        coupon_template_id=body.coupon_template_id,
        message_template_id=body.message_template_id,
        channels=[c.value for c in body.channels],
        cooldown_days=body.cooldown_days,
        attribution_days=body.attribution_days,
        enabled=body.enabled,
    )
    session.add(rule)
    session.flush()
    return rule


def update_rule(session: Session, rule_id: str, patch: RulePatch) -> MarketingRule:
    rule = get_rule(session, rule_id)
    changes = patch.model_dump(exclude_unset=True)
    if "params" in changes and changes["params"] is not None:
        rule.params = parse_params(Trigger(rule.trigger), changes["params"]).model_dump()
    if "audience" in changes and patch.audience is not None:
        rule.audience = patch.audience.model_dump(exclude_none=True, mode="json")
    if "channels" in changes and patch.channels is not None:
        if len(set(patch.channels)) != len(patch.channels):
            raise InvalidInput("channels must not repeat")
        rule.channels = [c.value for c in patch.channels]
    for key in ("name", "cooldown_days", "attribution_days", "enabled"):
        if key in changes and changes[key] is not None:
            setattr(rule, key, changes[key])
    for key in ("coupon_template_id", "message_template_id"):
        if key in changes:
            setattr(rule, key, changes[key])
    _check_refs(session, rule.coupon_template_id, rule.message_template_id)
    if rule.coupon_template_id is None and rule.message_template_id is None:
        raise InvalidInput("a rule needs a coupon template, a message template, or both")
    if rule.message_template_id is not None and not rule.channels:
        raise InvalidInput("a rule that sends a message needs at least one channel")
    reason = contradiction(Trigger(rule.trigger), rule.params, Audience.model_validate(rule.audience))
    if reason is not None:
        raise InvalidInput(reason)
    rule.updated_at = utcnow()
    session.add(rule)
    session.flush()
    return rule


def rule_stats(session: Session, rule_id: str) -> RuleStatsOut:
    get_rule(session, rule_id)

    def count(query: Any) -> int:
        return int(session.execute(query).scalar_one())

    sent_by = dict(
        session.execute(
            select(notifications.c.status, func.count())
            .where(notifications.c.rule_id == rule_id)
            .group_by(notifications.c.status)
        ).all()
    )
    acted = actions.alias("acted")
    attributed = (
        select(orders.c.id, orders.c.total_fen)
        .where(
            orders.c.status.not_in(NOT_COUNTED),
            orders.c.customer_id.in_(select(actions.c.customer_id).where(actions.c.rule_id == rule_id)),
            exists().where(
                and_(
                    acted.c.rule_id == rule_id,
                    acted.c.customer_id == orders.c.customer_id,
                    orders.c.placed_at >= acted.c.at,
                    orders.c.placed_at < acted.c.attribution_until,
                )
            ),
        )
        .subquery()
    )
    n_orders, revenue = session.execute(
        select(func.count(), func.coalesce(func.sum(attributed.c.total_fen), 0)).select_from(attributed)
    ).one()
    return RuleStatsOut(
        rule_id=rule_id,
        targeted=count(select(func.count()).where(actions.c.rule_id == rule_id)),
        granted=count(select(func.count()).where(coupons.c.rule_id == rule_id)),
        sent=int(sent_by.get("sent", 0)),
        queued=int(sent_by.get("queued", 0)),
        suppressed=int(sent_by.get("suppressed", 0)),
        failed=int(sent_by.get("failed", 0)),
        redeemed=count(select(func.count()).where(coupons.c.rule_id == rule_id, coupons.c.status == "redeemed")),
        attributed_orders=int(n_orders),
        attributed_revenue_fen=int(revenue),
    )
