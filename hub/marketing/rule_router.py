"""Automation rules: the seed rules and new ones, edited by marketers, run now, with their results."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from sqlmodel import select

from hub.audit.service import record_audit
from hub.crm.api import MarketerDep
from hub.db_types import utcnow
from hub.deps import ContextDep, SessionDep, StaffDep
from hub.marketing import rule_service as service
from hub.marketing.rule_preview import preview_rule
from hub.marketing.rule_runner import run_rule
from hub.marketing.rule_schemas import RuleIn, RuleOut, RulePatch, RuleRunOut, RuleStatsOut
from hub.marketing.tables import MarketingRule
from hub.problems import problem_responses

router = APIRouter(prefix="/rules", tags=["automation"], responses=problem_responses(401, 403, 404, 422))
RuleId = Annotated[str, Path(max_length=64)]


@router.get("", response_model=list[RuleOut])
def list_rules(session: SessionDep, _staff: StaffDep) -> list[RuleOut]:
    return [service.rule_view(r) for r in session.exec(select(MarketingRule).order_by(MarketingRule.id)).all()]


@router.post("", response_model=RuleOut, status_code=status.HTTP_201_CREATED, responses=problem_responses(409))
def create_rule(session: SessionDep, marketer: MarketerDep, body: RuleIn) -> RuleOut:
    rule = service.create_rule(session, body)
    record_audit(session, actor=marketer.label, action="rule.create", target_type="rule", target_id=body.id)
    session.commit()
    return service.rule_view(rule)


@router.get("/{rule_id}", response_model=RuleOut)
def get_rule(session: SessionDep, _staff: StaffDep, rule_id: RuleId) -> RuleOut:
    return service.rule_view(service.get_rule(session, rule_id))


@router.patch("/{rule_id}", response_model=RuleOut)
def update_rule(session: SessionDep, marketer: MarketerDep, rule_id: RuleId, body: RulePatch) -> RuleOut:
    """Enable, disable, or change parameters, audience, coupon, message, channels, cool-down."""
    rule = service.update_rule(session, rule_id, body)
    record_audit(
        session,
        actor=marketer.label,
        action="rule.update",
        target_type="rule",
        target_id=rule_id,
        detail=body.model_dump(exclude_unset=True, mode="json"),
    )
    session.commit()
    return service.rule_view(rule)


@router.post("/{rule_id}/run", response_model=RuleRunOut, responses=problem_responses(409))
def run_now(
    ctx: ContextDep,
    marketer: MarketerDep,
    rule_id: RuleId,
    dry_run: Annotated[bool, Query(description="count who would be targeted; grant and send nothing")] = False,
) -> RuleRunOut:
    """Run an enabled scheduled rule now (it grants nothing it already granted), or a dry run of any rule."""
    if dry_run:
        return preview_rule(ctx.db, rule_id, now=utcnow(), default_tz=ctx.settings.default_timezone)
    result = run_rule(
        ctx.db,
        rule_id,
        now=utcnow(),
        default_tz=ctx.settings.default_timezone,
        batch_size=ctx.settings.crm.rule_batch_size,
    )
    with ctx.db.session() as session:
        record_audit(session, actor=marketer.label, action="rule.run", target_type="rule", target_id=rule_id)
        session.commit()
    return result


@router.get("/{rule_id}/stats", response_model=RuleStatsOut)
def stats(session: SessionDep, _marketer: MarketerDep, rule_id: RuleId) -> RuleStatsOut:
    """Targeted, granted, sent, redeemed, and orders and revenue attributed within the rule's window."""
    return service.rule_stats(session, rule_id)
