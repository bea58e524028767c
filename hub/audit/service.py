"""Recording what staff did. Written in the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from hub.audit.tables import AuditEntry


def record_audit(
    session: Session, *, actor: str, action: str, target_type: str, target_id: str, detail: dict[str, Any] | None = None
) -> None:
    session.add(
        AuditEntry(actor=actor, action=action, target_type=target_type, target_id=target_id, detail=detail or {})
    )
