"""Writing outgoing messages in the caller's transaction."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.engine import Connection
from sqlmodel import Session

from contracts.base import Body
from contracts.envelope import encode, wrap
from contracts.errors import ContractError
from contracts.topics import TopicTemplate
from hub.db_types import utcnow
from hub.outbox.tables import OutboxMessage

outbox_table = OutboxMessage.__table__  # type: ignore[attr-defined]


def outbox_row(template: TopicTemplate, body: Body, *, root: str, source: str, **params: str) -> dict[str, Any]:
    """A row for ``outbox_table``: the message as it will go on the wire."""
    if not isinstance(body, template.payload):
        raise ContractError(f"{template.pattern} carries {template.payload.message_type}, not {body.message_type}")
    envelope = wrap(body, source=source, message_id=uuid.uuid4())
    return {
        "message_id": str(envelope.id),
        "topic": template.build(root=root, **params),
        "payload": encode(envelope),
        "qos": template.qos,
        "retain": template.retain,
        "created_at": utcnow(),
        "attempts": 0,
    }


def enqueue(
    conn: Connection | Session, template: TopicTemplate, body: Body, *, root: str, source: str, **params: str
) -> str:
    row = outbox_row(template, body, root=root, source=source, **params)
    conn.execute(outbox_table.insert().values(**row))
    return str(row["message_id"])
