"""Leads over REST: create, list, read, edit, erase, move through stages, convert to a customer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from sqlalchemy import select
from sqlmodel import Session, col

from hub.deps import ContextDep, SessionDep
from hub.problems import problem_responses
from hub.service import lead_desk
from hub.service.calendars import Calendars
from hub.service.lead_schemas import (
    LeadActionIn,
    LeadChangeOut,
    LeadConvertIn,
    LeadDetailOut,
    LeadIn,
    LeadOut,
    LeadPatch,
)
from hub.service.leads import LeadStage
from hub.service.roles import DeskDep
from hub.service.tables import ServiceLead

router = APIRouter(tags=["service desk"], responses=problem_responses(401, 403, 404, 422))
LeadId = Annotated[str, Path(max_length=36)]


def lead_detail(session: Session, row: ServiceLead) -> LeadDetailOut:
    changes = [LeadChangeOut.model_validate(c, from_attributes=True) for c in lead_desk.changes_of(session, row.id)]
    return LeadDetailOut.model_validate({**row.model_dump(), "changes": changes})


@router.post("/leads", response_model=LeadDetailOut, status_code=status.HTTP_201_CREATED)
def create_lead(ctx: ContextDep, session: SessionDep, principal: DeskDep, body: LeadIn) -> LeadDetailOut:
    row = lead_desk.create(session, principal, body, Calendars(session), ctx.settings.phone_region, ctx.clock())
    session.commit()
    return lead_detail(session, row)


@router.get("/leads", response_model=list[LeadOut])
def list_leads(
    session: SessionDep,
    principal: DeskDep,
    store_id: Annotated[str | None, Query(max_length=64)] = None,
    stage: Annotated[LeadStage | None, Query()] = None,
    owner_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ServiceLead]:
    query = select(ServiceLead).order_by(col(ServiceLead.created_at).desc()).limit(limit)
    if principal.store_ids is not None:
        query = query.where(col(ServiceLead.store_id).in_(sorted(principal.store_ids)))
    for column, value in (
        (ServiceLead.store_id, store_id),
        (ServiceLead.stage, stage),
        (ServiceLead.owner_id, owner_id),
    ):
        if value is not None:
            query = query.where(col(column) == value)
    return list(session.scalars(query).all())


@router.get("/leads/{lead_id}", response_model=LeadDetailOut)
def get_lead(session: SessionDep, principal: DeskDep, lead_id: LeadId) -> LeadDetailOut:
    row, _lead = lead_desk.visible_lead(session, principal, lead_id)
    return lead_detail(session, row)


@router.patch("/leads/{lead_id}", response_model=LeadDetailOut)
def edit_lead(
    ctx: ContextDep, session: SessionDep, principal: DeskDep, lead_id: LeadId, body: LeadPatch
) -> LeadDetailOut:
    row = lead_desk.edit(session, principal, lead_id, body, ctx.settings.phone_region, ctx.clock())
    session.commit()
    return lead_detail(session, row)


@router.delete("/leads/{lead_id}", status_code=status.HTTP_204_NO_CONTENT)
def erase_lead(session: SessionDep, principal: DeskDep, lead_id: LeadId) -> None:
    """Erase the prospect and their history (personal data, on request)."""
    lead_desk.remove(session, principal, lead_id)
    session.commit()


@router.post("/leads/{lead_id}/actions", response_model=LeadDetailOut, responses=problem_responses(409))
def change_lead(
    ctx: ContextDep, session: SessionDep, principal: DeskDep, lead_id: LeadId, body: LeadActionIn
) -> LeadDetailOut:
    """contact, qualify, lose, revive, reassign, schedule_follow_up; a follow-up may be given as a time
    or as business hours of the store's calendar from now."""
    row = lead_desk.act(session, principal, lead_id, body, Calendars(session), ctx.clock())
    session.commit()
    return lead_detail(session, row)


@router.post("/leads/{lead_id}/convert", response_model=LeadDetailOut, responses=problem_responses(409))
def convert_lead(
    ctx: ContextDep, session: SessionDep, principal: DeskDep, lead_id: LeadId, body: LeadConvertIn
) -> LeadDetailOut:
    """Won: the CRM finds the customer by phone or creates them in the lead's store; the lead keeps the id."""
    row = lead_desk.convert(session, principal, lead_id, body, ctx.settings.phone_region, ctx.clock())
    session.commit()
    return lead_detail(session, row)
