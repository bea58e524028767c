"""Recording handled message ids in the same transaction as their effect."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from hub.db_types import utcnow
from hub.outbox.tables import InboxMessage

inbox = InboxMessage.__table__  # type: ignore[attr-defined]


def claim_message(session: Session, message_id: str, consumer: str) -> bool:
    """True the first time this message reaches this consumer; False for a redelivery."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    claimed = session.execute(
        insert(inbox)
        .values(message_id=message_id, consumer=consumer, handled_at=utcnow())
        .on_conflict_do_nothing()
        .returning(inbox.c.message_id)  # not rowcount: SQLAlchemy 2.1 reports -1 for INSERT on PostgreSQL
    ).first()
    return claimed is not None


def claim_messages(session: Session, message_ids: list[str], consumer: str) -> set[str]:
    """The ids among ``message_ids`` that reach this consumer for the first time (one statement)."""
    unique = list(dict.fromkeys(message_ids))
    if not unique:
        return set()
    now = utcnow()
    if session.get_bind().dialect.name == "postgresql":  # one fixed statement, the ids as one array
        result = session.execute(_PG_CLAIM, {"ids": unique, "consumer": consumer, "at": now})
    else:
        result = session.execute(
            sqlite.insert(inbox)
            .values([{"message_id": m, "consumer": consumer, "handled_at": now} for m in unique])
            .on_conflict_do_nothing()
            .returning(inbox.c.message_id)
        )
    return set(result.scalars())


_PG_CLAIM = text(
    "INSERT INTO inbox (message_id, consumer, handled_at) "
    "SELECT unnest(CAST(:ids AS varchar[])), :consumer, :at ON CONFLICT DO NOTHING RETURNING message_id"
)
