"""Typed publish and subscribe on top of the port: bodies in, envelopes on the wire."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from contracts import topics
from contracts.base import Body
from contracts.envelope import Envelope, decode, encode, wrap
from contracts.errors import ContractError
from contracts.messaging import DeadLetter
from mqttlink.port import MqttLinkPort, MqttMessage

logger = logging.getLogger(__name__)

B = TypeVar("B", bound=Body)


async def publish_body(
    link: MqttLinkPort,
    template: topics.TopicTemplate,
    body: Body,
    *,
    source: str,
    root: str,
    seq: int = 0,
    message_id: uuid.UUID | None = None,
    **params: str,
) -> uuid.UUID:
    """Publish ``body`` on ``template`` and return the envelope id once the broker has it."""
    if not isinstance(body, template.payload):
        raise ContractError(f"{template.pattern} carries {template.payload.message_type}, not {body.message_type}")
    envelope = wrap(body, source=source, seq=seq, message_id=message_id)
    await link.publish(template.build(root=root, **params), encode(envelope), qos=template.qos, retain=template.retain)
    return envelope.id


TypedHandler = Callable[[Envelope[Any], dict[str, str]], Awaitable[None]]


async def subscribe_template(
    link: MqttLinkPort,
    template: topics.TopicTemplate,
    handler: TypedHandler,
    *,
    root: str,
    consumer: str,
    shared: bool = False,
    **params: str,
) -> None:
    """Subscribe to a topic family; decode each message, dead-letter what fails the contract."""

    async def on_message(message: MqttMessage) -> None:
        values = template.parse(message.topic, root=root)
        if values is None:
            return
        if not message.payload:
            return  # a cleared retained message
        try:
            envelope: Envelope[Any] = decode(message.payload, template.payload)
        except ContractError as exc:
            await dead_letter(link, message, exc.reason, root=root, consumer=consumer)
            return
        await handler(envelope, values)

    await link.subscribe(template.wildcard(root=root, **params), on_message, qos=max(template.qos, 1), shared=shared)


async def dead_letter(
    link: MqttLinkPort, message: MqttMessage, reason: str, *, root: str, consumer: str, source: str | None = None
) -> None:
    logger.warning("dead-lettering a message on %s: %s", message.topic, reason)
    body = DeadLetter(
        topic=message.topic[:500],
        reason=reason[:2000],
        payload=message.payload[:6000].decode("utf-8", errors="replace"),
        consumer=consumer,
        source=source,
        at=datetime.now(UTC),
    )
    await publish_body(link, topics.DEAD_LETTER, body, source=consumer, root=root)
