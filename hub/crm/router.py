from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from hub.crm import service
from hub.crm.schemas import CustomerIn, CustomerOut, IdentityIn, MergeIn
from hub.customers.api import CustomerRef
from hub.deps import ContextDep, ManagerDep, OperatorDep, SessionDep, StaffDep
from hub.problems import problem_responses

router = APIRouter(prefix="/customers", tags=["customers"], responses=problem_responses(401, 403, 404, 422))


@router.post(
    "",
    response_model=CustomerOut,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": CustomerOut, "description": "An existing customer with these identities"}},
)
def create_customer(
    ctx: ContextDep, session: SessionDep, staff: ManagerDep, body: CustomerIn, response: Response
) -> CustomerOut:
    """Create a customer, or return the one who already owns one of these identities.

    A store manager naming a customer known only to other stores gets back what they sent (the
    identities and name), not the other stores' records; their stores' history starts with them.
    """
    region = ctx.settings.phone_region
    customer, created = service.create_customer(session, staff, body, home_store_id=body.home_store_id, region=region)
    session.commit()
    if not created:
        response.status_code = status.HTTP_200_OK
    return service.served_customer_view(session, customer, staff, body, region)


@router.get("/lookup", response_model=CustomerOut)
def lookup(
    ctx: ContextDep,
    session: SessionDep,
    staff: StaffDep,
    phone: Annotated[str | None, Query(max_length=40)] = None,
    member_id: Annotated[str | None, Query(max_length=64)] = None,
    device_id: Annotated[str | None, Query(max_length=128)] = None,
    platform: Annotated[str | None, Query(max_length=64, pattern=r"^[a-z0-9_-]+$")] = None,
    platform_user_id: Annotated[str | None, Query(max_length=128)] = None,
) -> CustomerOut:
    """Find a customer by phone (any format), member id, device id or platform user id."""
    ref = CustomerRef(
        phone=phone, member_id=member_id, device_id=device_id, platform=platform, platform_user_id=platform_user_id
    )
    customer = service.lookup(session, staff, ref, ctx.settings.phone_region)
    return service.customer_view(session, customer, staff)


@router.get("/{customer_id}", response_model=CustomerOut)
def get_customer(session: SessionDep, staff: StaffDep, customer_id: str) -> CustomerOut:
    return service.customer_view(session, service.visible_customer(session, staff, customer_id), staff)


@router.post("/{customer_id}/identities", response_model=CustomerOut, responses=problem_responses(409))
def add_identity(
    ctx: ContextDep, session: SessionDep, staff: ManagerDep, customer_id: str, body: IdentityIn
) -> CustomerOut:
    customer = service.visible_customer(session, staff, customer_id)
    service.add_identity(session, staff, customer, body, ctx.settings.phone_region)
    session.commit()
    return service.customer_view(session, customer, staff)


@router.post("/{customer_id}/merge", response_model=CustomerOut, responses=problem_responses(409))
def merge(ctx: ContextDep, session: SessionDep, operator: OperatorDep, customer_id: str, body: MergeIn) -> CustomerOut:
    """Merge another customer into this one, keeping all of their history."""
    target = service.visible_customer(session, operator, customer_id)
    merged = service.merge(session, operator, target, body.source_customer_id, ctx.events)
    session.commit()
    return service.customer_view(session, merged, operator)
