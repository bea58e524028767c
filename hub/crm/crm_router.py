"""CRM settings, the recompute, and the segment / tier / lifecycle overview."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import func, select

from hub.audit.service import record_audit
from hub.crm.as_of import parse_as_of
from hub.crm.config import CrmConfig, load_config, save_config
from hub.crm.recompute import recompute_all
from hub.crm.roles import MarketerDep
from hub.crm.segments import SEGMENT_NAMES_ZH, Segment
from hub.crm.stats_tables import CustomerStats
from hub.crm.store_scope import customers_in_scope, scope_of
from hub.customers.api import Customer
from hub.db_types import utcnow
from hub.deps import ContextDep, SessionDep, StaffDep
from hub.problems import problem_responses

router = APIRouter(prefix="/crm", tags=["crm"], responses=problem_responses(401, 403, 422))
stats = CustomerStats.__table__  # type: ignore[attr-defined]
customers = Customer.__table__  # type: ignore[attr-defined]


class RecomputeOut(BaseModel):
    full_rebuild: bool
    refreshed: int
    scored: int
    tags_added: dict[str, int]
    seconds: float
    as_of: str | None = None
    """The past day or moment scored (None: now)."""


class OverviewOut(BaseModel):
    customers: int
    segments: dict[str, int]
    """Every segment, with its count (zero included)."""
    segment_names: dict[str, str]
    lifecycles: dict[str, int]
    tiers: dict[str, int]


@router.get("/config", response_model=CrmConfig)
def get_config(session: SessionDep, _staff: StaffDep) -> CrmConfig:
    return load_config(session)


@router.put("/config", response_model=CrmConfig)
def put_config(session: SessionDep, marketer: MarketerDep, body: CrmConfig) -> CrmConfig:
    """Tiers, RFM bins and window, lifecycle days, points rates, tag thresholds. Takes effect at the next recompute."""
    save_config(session, body)
    record_audit(session, actor=marketer.label, action="crm.config", target_type="crm", target_id="config")
    session.commit()
    return body


@router.post("/recompute", response_model=RecomputeOut)
def recompute(
    ctx: ContextDep,
    session: SessionDep,
    _marketer: MarketerDep,
    as_of: Annotated[
        str | None, Query(max_length=40, description="score history as of a day (YYYY-MM-DD) or moment (ISO 8601)")
    ] = None,
) -> RecomputeOut:
    """Recompute figures, RFM, segments, lifecycle, tiers and rule tags for everyone now (or as of a past day)."""
    when = parse_as_of(as_of, ctx.settings.default_timezone)
    result = recompute_all(session, now=utcnow(), default_tz=ctx.settings.default_timezone, as_of=when)
    session.commit()
    return RecomputeOut(**result.__dict__)


@router.get("/overview", response_model=OverviewOut)
def overview(session: SessionDep, staff: StaffDep) -> OverviewOut:
    """How many customers are in each segment, lifecycle state and tier (as of the last recompute).
    A store manager gets the figures of their stores' customers only."""
    scope = scope_of(staff)
    where = [customers.c.merged_into_id.is_(None)]
    if scope is not None:
        where.append(customers_in_scope(scope))
    joined = stats.join(customers, customers.c.id == stats.c.customer_id)

    def counts(column: Any) -> dict[str, int]:
        rows = session.execute(select(column, func.count()).select_from(joined).where(*where).group_by(column)).all()
        return {str(k): int(v) for k, v in rows}

    segments = {s.value: 0 for s in Segment}
    segments.update(counts(stats.c.segment))
    return OverviewOut(
        customers=int(session.execute(select(func.count()).select_from(customers).where(*where)).scalar_one()),
        segments=segments,
        segment_names={s.value: n for s, n in SEGMENT_NAMES_ZH.items()},
        lifecycles=counts(stats.c.lifecycle),
        tiers=counts(stats.c.tier),
    )
