"""The service desk's REST API under ``/service``."""

from fastapi import APIRouter

from hub.service.assignment_router import router as assignment_router
from hub.service.calendar_router import router as calendar_router
from hub.service.lead_router import router as lead_router
from hub.service.survey_router import router as survey_router
from hub.service.ticket_router import router as ticket_router

router = APIRouter(prefix="/service")
for part in (ticket_router, calendar_router, assignment_router, survey_router, lead_router):
    router.include_router(part)
