"""A store's service calendar over REST: the opening hours the SLA clocks count."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from hub.deps import SessionDep
from hub.problems import problem_responses
from hub.service.calendars import opening_hours
from hub.service.roles import DeskDep
from hub.service.schemas import SlaCalendarIn, SlaCalendarOut
from hub.service.sla_policy import CalendarKind
from hub.service.tables import ServiceSlaPolicy
from hub.stores.api import visible_store

router = APIRouter(tags=["service desk"], responses=problem_responses(401, 403, 404, 422))
StoreId = Annotated[str, Path(max_length=64)]


def _out(row: ServiceSlaPolicy) -> SlaCalendarOut:
    return SlaCalendarOut.model_validate(row, from_attributes=True)


@router.get("/calendars/{store_id}", response_model=SlaCalendarOut)
def get_calendar(session: SessionDep, principal: DeskDep, store_id: StoreId) -> SlaCalendarOut:
    """The store's service calendar; a store that never set one counts every minute (24x7)."""
    store = visible_store(session, principal, store_id)
    row = session.get(ServiceSlaPolicy, store.id)
    if row is None:
        return SlaCalendarOut(
            store_id=store.id,
            calendar=CalendarKind.ALWAYS,
            zone=store.timezone,
            weekly={},
            public_holidays=False,
            holiday_shifts=[],
            closed_dates=[],
        )
    return _out(row)


@router.put("/calendars/{store_id}", response_model=SlaCalendarOut)
def put_calendar(session: SessionDep, principal: DeskDep, store_id: StoreId, body: SlaCalendarIn) -> SlaCalendarOut:
    """Opening hours per weekday with split shifts (lunch and dinner), Chinese public holidays,
    closed dates. First response, compensation and resolution goals count only these hours."""
    store = visible_store(session, principal, store_id)
    row = session.get(ServiceSlaPolicy, store.id) or ServiceSlaPolicy(store_id=store.id)
    row.calendar, row.zone, row.public_holidays = body.calendar, store.timezone, body.public_holidays
    row.weekly = {day: [list(span) for span in spans] for day, spans in sorted(body.weekly.items())}
    row.holiday_shifts = [list(span) for span in body.holiday_shifts]
    row.closed_dates = [d.isoformat() for d in sorted(set(body.closed_dates))]
    if body.calendar is CalendarKind.STORE_HOURS:
        opening_hours(row)  # refuses hours that cannot work (never open, overlapping shifts)
    session.add(row)
    session.commit()
    return _out(row)
