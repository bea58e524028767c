"""Reading the audit log (admins only), newest first, filtered and paged by id."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import col, select

from hub.api_types import QueryDatetime
from hub.audit.schemas import AuditEntryOut
from hub.audit.tables import AuditEntry
from hub.deps import AdminDep, SessionDep
from hub.problems import problem_responses

router = APIRouter(tags=["audit"], responses=problem_responses(401, 403, 422))


@router.get("/audit-log", response_model=list[AuditEntryOut])
def list_audit_log(
    session: SessionDep,
    _admin: AdminDep,
    actor: Annotated[str | None, Query(max_length=120, description="e.g. user:boss, cli, customer")] = None,
    action: Annotated[str | None, Query(max_length=64, description="e.g. auth.login_failed, user.disable")] = None,
    target_type: Annotated[str | None, Query(max_length=32)] = None,
    target_id: Annotated[str | None, Query(max_length=120)] = None,
    since: Annotated[QueryDatetime | None, Query(description="at or after (ISO 8601 with a zone)")] = None,
    until: Annotated[QueryDatetime | None, Query(description="before (ISO 8601 with a zone)")] = None,
    before_id: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="the next page: the last id seen")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(limit)
    for column, value in (
        (AuditEntry.actor, actor),
        (AuditEntry.action, action),
        (AuditEntry.target_type, target_type),
        (AuditEntry.target_id, target_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if since is not None:
        query = query.where(col(AuditEntry.at) >= since)
    if until is not None:
        query = query.where(col(AuditEntry.at) < until)
    if before_id is not None:
        query = query.where(col(AuditEntry.id) < before_id)
    return list(session.exec(query).all())
