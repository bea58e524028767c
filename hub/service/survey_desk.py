"""Satisfaction surveys as stored: planned after a closed ticket or a completed delivery, sent through
the notification outbox when due (once, by the survey's key), answered once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session, col

from hub.errors import NotFound
from hub.kernel.principal import Principal
from hub.notifications.api import MessageChannel, SendIn, queue_message
from hub.service.errors import SurveyClosed
from hub.service.surveys import (
    SurveyKind,
    SurveyPlan,
    SurveyPolicy,
    SurveySkipped,
    SurveyTrigger,
    plan_survey,
    record_answer,
)
from hub.service.tables import ServiceSurvey, ServiceSurveyAnswer, ServiceTicket

SURVEY_TEMPLATE = "service-survey"
"""Seeded by the migration; marketers may reword it."""
POLICIES = {
    SurveyTrigger.TICKET_CLOSED: SurveyPolicy(SurveyTrigger.TICKET_CLOSED, SurveyKind.CSAT),
    SurveyTrigger.DELIVERY_COMPLETED: SurveyPolicy(SurveyTrigger.DELIVERY_COMPLETED, SurveyKind.CSAT),
}


def _last_surveyed(session: Session, customer_id: str) -> datetime | None:
    query = select(func.max(ServiceSurvey.send_at)).where(
        col(ServiceSurvey.customer_id) == customer_id, col(ServiceSurvey.status) != "skipped"
    )
    return session.execute(query).scalar()


def plan(
    session: Session,
    *,
    trigger: SurveyTrigger,
    subject_id: str,
    customer_id: str,
    store_id: str | None,
    event_at: datetime,
    now: datetime,
    kind: SurveyKind | None = None,
) -> ServiceSurvey:
    """The survey of this subject: planned, or skipped with the reason; the same subject is planned once."""
    policy = POLICIES[trigger]
    if kind is not None and kind is not policy.kind:
        policy = SurveyPolicy(trigger, kind, policy.delay, policy.answer_within, policy.not_again_within)
    key = f"survey:{trigger}:{subject_id}"
    existing = session.scalars(select(ServiceSurvey).where(col(ServiceSurvey.key) == key)).first()
    if existing is not None:
        return existing
    result = plan_survey(
        policy, subject_id=subject_id, event_at=event_at, last_surveyed_at=_last_surveyed(session, customer_id)
    )
    send_at = event_at + policy.delay
    row = ServiceSurvey(
        key=key,
        trigger=trigger,
        subject_id=subject_id,
        kind=policy.kind,
        customer_id=customer_id,
        store_id=store_id,
        status="skipped" if isinstance(result, SurveySkipped) else "planned",
        skip_reason=result.reason if isinstance(result, SurveySkipped) else None,
        send_at=result.send_at if isinstance(result, SurveyPlan) else send_at,
        expires_at=result.expires_at if isinstance(result, SurveyPlan) else send_at,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def plan_after_close(session: Session, ticket: ServiceTicket, now: datetime) -> ServiceSurvey | None:
    if ticket.customer_id is None:
        return None
    return plan(
        session,
        trigger=SurveyTrigger.TICKET_CLOSED,
        subject_id=ticket.id,
        customer_id=ticket.customer_id,
        store_id=ticket.store_id,
        event_at=now,
        now=now,
    )


def send_due(session: Session, now: datetime, limit: int = 200) -> int:
    """Queue every planned survey whose time has come in the notification outbox (consent and quiet
    hours are the sender's to apply); returns how many were queued now."""
    due = session.scalars(
        select(ServiceSurvey)
        .where(col(ServiceSurvey.status) == "planned", col(ServiceSurvey.send_at) <= now)
        .order_by(col(ServiceSurvey.send_at))
        .limit(limit)
    ).all()
    for survey in due:
        message = SendIn(template_id=SURVEY_TEMPLATE, channel=MessageChannel.SMS, key=survey.key[:120])
        row, _queued = queue_message(session, survey.customer_id, message, "service-desk")
        survey.status, survey.notification_id = "sent", int(row.id)
        session.add(survey)
    return len(due)


def visible_survey(session: Session, principal: Principal, survey_id: str) -> ServiceSurvey:
    survey = session.get(ServiceSurvey, survey_id)
    if survey is None or not principal.sees_store(survey.store_id):
        raise NotFound("no survey with this id")
    return survey


def answer_of(session: Session, survey_id: str) -> ServiceSurveyAnswer | None:
    return session.scalars(select(ServiceSurveyAnswer).where(col(ServiceSurveyAnswer.survey_id) == survey_id)).first()


def answer(
    session: Session, principal: Principal, survey_id: str, score: int, comment: str, now: datetime
) -> ServiceSurveyAnswer:
    survey = visible_survey(session, principal, survey_id)
    if survey.status not in ("sent", "answered"):
        raise SurveyClosed(f"this survey is {survey.status}: only a survey that was sent can be answered")
    plan_value = SurveyPlan(survey.key, SurveyKind(survey.kind), survey.subject_id, survey.send_at, survey.expires_at)
    given = record_answer(
        plan_value, score, at=now, comment=comment, already_answered=answer_of(session, survey_id) is not None
    )
    row = ServiceSurveyAnswer(
        survey_id=survey.id, score=given.score, comment=given.comment, answered_at=given.answered_at
    )
    survey.status = "answered"
    session.add_all([row, survey])
    session.flush()
    return row
