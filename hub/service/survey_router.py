"""Satisfaction surveys over REST: plan one after a delivery, list them, record an answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from sqlalchemy import select
from sqlmodel import Session, col

from hub.crm.api import visible_customer
from hub.deps import ContextDep, SessionDep
from hub.errors import InvalidInput, NotFound
from hub.kernel.principal import Principal
from hub.problems import problem_responses
from hub.service import survey_desk
from hub.service.roles import DeskDep, IntakeDep
from hub.service.survey_schemas import DeliverySurveyIn, SurveyAnswerIn, SurveyAnswerOut, SurveyOut
from hub.service.surveys import SurveyTrigger
from hub.service.tables import ServiceSurvey
from hub.stores.api import visible_store

router = APIRouter(tags=["service desk"], responses=problem_responses(401, 403, 404, 422))
SurveyId = Annotated[str, Path(max_length=36)]


def survey_out(session: Session, row: ServiceSurvey) -> SurveyOut:
    answer = survey_desk.answer_of(session, row.id)
    given = SurveyAnswerOut.model_validate(answer, from_attributes=True) if answer is not None else None
    return SurveyOut.model_validate({**row.model_dump(), "answer": given})


def _check_refs(session: Session, principal: Principal, body: DeliverySurveyIn) -> str | None:
    try:
        customer = visible_customer(session, principal, body.customer_id)
    except NotFound as exc:
        raise InvalidInput("no customer with this id") from exc
    store_id = body.store_id or (customer.home_store_id if principal.sees_store(customer.home_store_id) else None)
    if store_id is None and principal.store_ids:
        store_id = min(principal.store_ids)
    if store_id is not None:
        try:
            visible_store(session, principal, store_id)
        except NotFound as exc:
            raise InvalidInput(f"unknown store {store_id!r}") from exc
    return store_id


@router.post("/surveys", response_model=SurveyOut, status_code=status.HTTP_201_CREATED)
def plan_delivery_survey(
    ctx: ContextDep, session: SessionDep, principal: IntakeDep, body: DeliverySurveyIn
) -> SurveyOut:
    """A delivery was completed: plan its survey (once per delivery; skipped, with the reason, for a
    customer surveyed recently). It goes out through the notification outbox when due."""
    store_id = _check_refs(session, principal, body)
    row = survey_desk.plan(
        session,
        trigger=SurveyTrigger.DELIVERY_COMPLETED,
        subject_id=body.delivery_id,
        customer_id=body.customer_id,
        store_id=store_id,
        event_at=body.completed_at,
        now=ctx.clock(),
        kind=body.kind,
    )
    session.commit()
    return survey_out(session, row)


@router.get("/surveys", response_model=list[SurveyOut])
def list_surveys(
    session: SessionDep,
    principal: DeskDep,
    store_id: Annotated[str | None, Query(max_length=64)] = None,
    customer_id: Annotated[str | None, Query(max_length=36)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[SurveyOut]:
    query = select(ServiceSurvey).order_by(col(ServiceSurvey.created_at).desc()).limit(limit)
    if principal.store_ids is not None:
        query = query.where(col(ServiceSurvey.store_id).in_(sorted(principal.store_ids)))
    if store_id is not None:
        query = query.where(col(ServiceSurvey.store_id) == store_id)
    if customer_id is not None:
        query = query.where(col(ServiceSurvey.customer_id) == customer_id)
    return [survey_out(session, row) for row in session.scalars(query).all()]


@router.post(
    "/surveys/{survey_id}/answer",
    response_model=SurveyOut,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409),
)
def answer_survey(
    ctx: ContextDep, session: SessionDep, principal: IntakeDep, survey_id: SurveyId, body: SurveyAnswerIn
) -> SurveyOut:
    """The customer's score (CSAT 1-5, NPS 0-10), as the messaging gateway or staff received it; once."""
    survey_desk.answer(session, principal, survey_id, body.score, body.comment, ctx.clock())
    session.commit()
    return survey_out(session, survey_desk.visible_survey(session, principal, survey_id))
