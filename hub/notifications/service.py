"""Message templates, queueing a message by hand, listing and retrying, unsubscribing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection
from sqlmodel import Session

from hub.crm.api import CustomersMerged, policy_for, set_consent
from hub.db_types import utcnow
from hub.errors import Conflict, InvalidInput, NotFound
from hub.kernel.principal import Principal
from hub.kernel.sql_dialect import execute_count, insert_for
from hub.notifications.schemas import MessageTemplateIn, NotificationOut, SendIn
from hub.notifications.tables import MessageTemplate, Notification

notifications = Notification.__table__  # type: ignore[attr-defined]


def save_template(session: Session, body: MessageTemplateIn, *, create: bool) -> MessageTemplate:
    existing = session.get(MessageTemplate, body.id)
    if create and existing is not None:
        raise Conflict(f"message template {body.id!r} already exists")
    if not create and existing is None:
        raise NotFound(f"no message template {body.id!r}")
    template = existing or MessageTemplate(id=body.id, name=body.name, body=body.body)
    template.name, template.subject, template.body = body.name, body.subject, body.body
    template.updated_at = utcnow()
    session.add(template)
    session.flush()
    return template


def view(row: Any) -> NotificationOut:
    return NotificationOut.model_validate(row, from_attributes=True)


def masked_notification(view: NotificationOut, principal: Principal) -> NotificationOut:
    """The last error is free text (it may quote an address): masked by the caller's role."""
    return view.model_copy(update={"last_error": policy_for(principal.role).text(view.last_error)})


def queue_message(session: Session, customer_id: str, body: SendIn, actor: str) -> tuple[Any, bool]:
    """(row, queued now); the same key queues once. Consent is checked when it is sent."""
    if session.get(MessageTemplate, body.template_id) is None:
        raise InvalidInput(f"no message template {body.template_id!r}")
    key = f"manual:{customer_id}:{body.key}"
    now = utcnow()
    inserted = session.execute(
        insert_for(session)(notifications)
        .values(
            customer_id=customer_id,
            channel=body.channel.value,
            template_id=body.template_id,
            dedupe_key=key,
            variables=body.variables,
            status="queued",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(notifications.c.id)
    ).scalar()
    row = session.execute(select(notifications).where(notifications.c.dedupe_key == key)).one()
    return row, inserted is not None


def retry(session: Session, notification_id: int) -> Any:
    done = execute_count(
        session,
        update(notifications)
        .where(notifications.c.id == notification_id, notifications.c.status == "failed")
        .values(status="queued", attempts=0, next_attempt_at=utcnow()),
    )
    row = session.execute(select(notifications).where(notifications.c.id == notification_id)).first()
    if row is None:
        raise NotFound(f"no notification {notification_id}")
    if not done:
        raise Conflict(f"notification {notification_id} is {row.status}; only failed ones are retried by hand")
    return row


def unsubscribe(session: Session, customer_id: str, channel: str) -> None:
    set_consent(session, customer_id, channel, False, source="unsubscribe")


def on_customers_merged(conn: Session | Connection, event: CustomersMerged) -> None:
    """Messages still queued for the source go to the target (``hub.wiring``); sent ones stay as they were."""
    conn.execute(
        update(notifications)
        .where(notifications.c.customer_id == event.source_id, notifications.c.status == "queued")
        .values(customer_id=event.target_id)
    )
