"""Points ledgers, adjustments and the tier table (rewards: ``hub.marketing.reward_router``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from hub.crm.api import LedgerReaderDep, load_config, visible_customer
from hub.deps import OperatorDep, SessionDep, StaffDep
from hub.loyalty import service
from hub.loyalty.points_views import masked_points, scoped_points
from hub.loyalty.schemas import AdjustIn, PointsOut, TierRuleOut, TiersOut
from hub.problems import problem_responses

router = APIRouter(tags=["loyalty"], responses=problem_responses(401, 403, 404, 422))
CustomerId = Annotated[str, Path(max_length=36)]


@router.get("/customers/{customer_id}/points", response_model=PointsOut)
def points(
    session: SessionDep,
    reader: LedgerReaderDep,
    customer_id: CustomerId,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> PointsOut:
    """The balance and the ledger it adds up to (newest entries first). A store manager sees the
    balance (it is spent in any store) and the entries of their stores' orders and of no order."""
    visible_customer(session, reader, customer_id)
    return masked_points(scoped_points(session, reader, service.points_view(session, customer_id, limit)), reader)


@router.post("/customers/{customer_id}/points/adjustments", response_model=PointsOut, responses=problem_responses(409))
def adjust(session: SessionDep, operator: OperatorDep, customer_id: CustomerId, body: AdjustIn) -> PointsOut:
    """A manual correction (audited); the same key adjusts once."""
    visible_customer(session, operator, customer_id)
    service.adjust(session, operator, customer_id, body.delta, body.reason, body.key)
    session.commit()
    return service.points_view(session, customer_id)


@router.get("/loyalty/tiers", response_model=TiersOut)
def tiers(session: SessionDep, _staff: StaffDep) -> TiersOut:
    config = load_config(session)
    return TiersOut(
        window_days=config.window_days,
        tiers=[TierRuleOut(**t.model_dump()) for t in config.tiers],
        points_per_yuan=config.points_per_yuan,
        fen_per_point=config.fen_per_point,
    )
