"""Customer search, addresses, consents and tags (the 360, the profile edit, PIPL: ``hub.customer360``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from pydantic import AfterValidator

from contracts.base import refuse_control_characters
from hub.crm import profile, service
from hub.crm.profile_schemas import AddressIn, AddressOut, ConsentIn, CustomerSummaryOut
from hub.crm.roles import ProfileEditorDep, TaggerDep
from hub.crm.search import search_customers
from hub.crm.segments import Lifecycle, Segment
from hub.deps import ContextDep, SessionDep, StaffDep
from hub.problems import problem_responses

router = APIRouter(prefix="/customers", tags=["customers"], responses=problem_responses(401, 403, 404, 422))

CustomerId = Annotated[str, Path(max_length=36)]
Channel = Annotated[str, Path(pattern=r"^(sms|wechat|email)$")]
Tag = Annotated[str, Path(min_length=1, max_length=64), AfterValidator(refuse_control_characters)]


@router.get("", response_model=list[CustomerSummaryOut])
def search(
    ctx: ContextDep,
    session: SessionDep,
    staff: StaffDep,
    q: Annotated[
        str | None, Query(max_length=120, description="phone (any format or last digits), name, member id")
    ] = None,
    tag: Annotated[str | None, Query(max_length=64)] = None,
    segment: Segment | None = None,
    lifecycle: Lifecycle | None = None,
    tier: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[CustomerSummaryOut]:
    """Search customers; most recent buyers first."""
    return search_customers(
        session,
        staff,
        region=ctx.settings.phone_region,
        q=q,
        tag=tag,
        segment=segment,
        lifecycle=lifecycle,
        tier=tier,
        limit=limit,
        offset=offset,
    )


@router.post(
    "/{customer_id}/addresses",
    response_model=AddressOut,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409),
)
def add_address(session: SessionDep, editor: ProfileEditorDep, customer_id: CustomerId, body: AddressIn) -> AddressOut:
    customer = service.visible_customer(session, editor, customer_id)
    address = profile.add_address(session, editor, customer, body)
    session.commit()
    return AddressOut.model_validate(address, from_attributes=True)


@router.delete("/{customer_id}/addresses/{address_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_address(
    session: SessionDep,
    editor: ProfileEditorDep,
    customer_id: CustomerId,
    address_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
) -> None:
    customer = service.visible_customer(session, editor, customer_id)
    profile.remove_address(session, editor, customer, address_id)
    session.commit()


@router.put(
    "/{customer_id}/consents/{channel}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(409)
)
def set_consent(
    session: SessionDep, editor: ProfileEditorDep, customer_id: CustomerId, channel: Channel, body: ConsentIn
) -> None:
    """Record the customer's yes or no to marketing messages on a channel."""
    customer = service.visible_customer(session, editor, customer_id)
    profile.change_consent(session, editor, customer, channel, body.granted)
    session.commit()


@router.put("/{customer_id}/tags/{tag}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(409))
def add_tag(session: SessionDep, tagger: TaggerDep, customer_id: CustomerId, tag: Tag) -> None:
    customer = service.visible_customer(session, tagger, customer_id)
    profile.add_tag(session, tagger, customer, tag)
    session.commit()


@router.delete("/{customer_id}/tags/{tag}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(409))
def remove_tag(session: SessionDep, tagger: TaggerDep, customer_id: CustomerId, tag: Tag) -> None:
    customer = service.visible_customer(session, tagger, customer_id)
    profile.remove_tag(session, tagger, customer, tag)
    session.commit()
