"""``/analytics/churn``: fit the churn models on demand, read the fit and each customer's scores."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from hub.analytics import sources as src
from hub.analytics.churn_scores import AT_RISK_TAG, FitRequest, fit_and_store, fits, scores
from hub.api_types import RequestModel, StrictFloat
from hub.deps import ContextDep, SessionDep, StaffDep, require
from hub.errors import NotFound
from hub.kernel.business_days import local_today
from hub.kernel.principal import Principal
from hub.kernel.roles import Role
from hub.problems import problem_responses

router = APIRouter(prefix="/analytics/churn", tags=["analytics"], responses=problem_responses(401, 403, 404, 422))
FitterDep = Annotated[Principal, Depends(require(Role.ADMIN, Role.OPERATOR, Role.MARKETER))]


class FitIn(RequestModel):
    model_config = ConfigDict(extra="forbid")
    as_of: date | None = None
    """Last local day counted; default: yesterday in the hub's zone."""
    at_risk_below: StrictFloat = Field(default=0.5, gt=0, lt=1)


class FitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    fitted_at: datetime
    as_of: date
    customers: int
    r: float
    alpha: float
    a: float
    b: float
    gg_p: float | None
    gg_q: float | None
    gg_gamma: float | None
    at_risk_below: float
    at_risk: int
    at_risk_tag: str = AT_RISK_TAG
    """Target these customers in a marketing rule with ``audience.tags_any = [at_risk_tag]``."""


class ScoreOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    customer_id: str
    purchase_days: int
    last_purchase_day: date
    p_alive: float
    expected_purchases_30d: float
    expected_purchases_90d: float
    expected_value_fen: int | None
    expected_value_90d_fen: int | None
    at_risk: bool


@router.post("/fit", response_model=FitOut, status_code=201)
def fit(ctx: ContextDep, session: SessionDep, _who: FitterDep, body: FitIn) -> FitOut:
    """Fit BG/NBD and Gamma-Gamma on all purchase days; replace the scores and the at-risk tags."""
    now = ctx.clock()
    as_of = body.as_of or local_today(now, ctx.settings.default_timezone) - timedelta(days=1)
    record = fit_and_store(session, FitRequest(as_of=as_of, at_risk_below=body.at_risk_below), now=now)
    session.commit()
    return FitOut.model_validate(record)


@router.get("/fit", response_model=FitOut)
def latest_fit(session: SessionDep, _staff: StaffDep) -> FitOut:
    row = session.execute(select(fits).order_by(fits.c.fitted_at.desc()).limit(1)).mappings().first()
    if row is None:
        raise NotFound("no churn fit yet: POST /analytics/churn/fit")
    return FitOut.model_validate(dict(row))


@router.get("/customers", response_model=list[ScoreOut])
def customer_scores(
    session: SessionDep,
    staff: StaffDep,
    at_risk: bool | None = None,
    customer_id: Annotated[str | None, Query(max_length=36)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[ScoreOut]:
    """Scores from the latest fit; ``at_risk=true``: the at-risk list, least likely alive first, most valuable first.

    Store managers see the customers whose home store is one of theirs.
    """
    query = select(scores)
    if at_risk is not None:
        query = query.where(scores.c.at_risk.is_(at_risk))
    if customer_id is not None:
        query = query.where(scores.c.customer_id == customer_id)
    if staff.store_ids is not None:
        mine = select(src.customers.c.id).where(src.customers.c.home_store_id.in_(sorted(staff.store_ids)))
        query = query.where(scores.c.customer_id.in_(mine))
    query = (
        query.order_by(scores.c.p_alive, scores.c.expected_value_90d_fen.desc().nulls_last(), scores.c.customer_id)
        .offset(offset)
        .limit(limit)
    )
    return [ScoreOut.model_validate(dict(r)) for r in session.execute(query).mappings()]
