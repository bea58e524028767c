"""``POST /customers/{id}/points/rewards``: points exchanged for a reward coupon (listed with loyalty)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from hub.crm.api import ProfileEditorDep, visible_customer
from hub.deps import SessionDep
from hub.loyalty.api import RewardIn
from hub.marketing.coupons import coupon_view, get_template
from hub.marketing.rewards import exchange_for_reward
from hub.marketing.schemas import CouponOut
from hub.problems import problem_responses

router = APIRouter(tags=["loyalty"], responses=problem_responses(401, 403, 404, 422))
CustomerId = Annotated[str, Path(max_length=36)]


@router.post(
    "/customers/{customer_id}/points/rewards",
    response_model=CouponOut,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409),
)
def reward(session: SessionDep, manager: ProfileEditorDep, customer_id: CustomerId, body: RewardIn) -> CouponOut:
    """Exchange points for a reward coupon (a template with points_cost); the same key exchanges once."""
    visible_customer(session, manager, customer_id)
    coupon = exchange_for_reward(session, manager, customer_id, body.template_id, body.key)
    session.commit()
    return coupon_view(coupon, get_template(session, coupon.template_id))
