"""The envelope every message travels in, and the codec that is the only JSON on the wire."""

from __future__ import annotations

import functools
import uuid
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from contracts.base import Body, Identifier
from contracts.errors import ContractError
from contracts.registry import body_type_for

ENVELOPE_VERSION = 1

B = TypeVar("B", bound=Body)


class Envelope(BaseModel, Generic[B]):
    """``{v, id, type, ts, source, seq, body}``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    v: int = Field(default=ENVELOPE_VERSION, ge=1)
    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str
    ts: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))
    source: Identifier
    seq: int = Field(default=0, ge=0)
    body: B


@functools.cache
def envelope_for(body_type: type[Body]) -> type[Envelope[Any]]:
    """``Envelope[body_type]``, built once per body type and kept: pydantic holds its parametrized
    classes weakly, so after a garbage collection ``Envelope[X]`` builds the class (and its
    validator) again; a hub wrapping thousands of tickets a second did so over and over."""
    return Envelope[body_type]  # type: ignore[valid-type]


def wrap(
    body: B, *, source: str, seq: int = 0, message_id: uuid.UUID | None = None, ts: datetime | None = None
) -> Envelope[B]:
    """Put a body in an envelope with a fresh id (or the given one, for a durable retry)."""
    fields: dict[str, Any] = {"type": body.message_type, "source": source, "seq": seq, "body": body}
    if message_id is not None:
        fields["id"] = message_id
    if ts is not None:
        fields["ts"] = ts
    try:
        return envelope_for(type(body))(**fields)
    except ValidationError as exc:
        raise ContractError(_describe(exc)) from exc


def encode(envelope: Envelope[Any]) -> bytes:
    return envelope.model_dump_json().encode("utf-8")


def encode_body(body: Body, *, source: str, seq: int = 0, message_id: uuid.UUID | None = None) -> bytes:
    return encode(wrap(body, source=source, seq=seq, message_id=message_id))


def decode(payload: bytes | str, expected: type[B] | None = None) -> Envelope[B]:
    """Parse and validate a message. Raises ``ContractError`` (and only that) on bad input.

    With ``expected`` the body must be of that type; without it the type is looked up.
    """
    try:
        head = _Head.model_validate_json(payload)
    except ValidationError as exc:
        raise ContractError(f"not a Brigade envelope: {_describe(exc)}") from exc
    if head.v > ENVELOPE_VERSION:
        raise ContractError(f"envelope version {head.v} is newer than {ENVELOPE_VERSION}")
    body_type = body_type_for(head.type)
    if body_type is None:
        raise ContractError(f"unknown message type {head.type!r}")
    if expected is not None and body_type is not expected:
        raise ContractError(f"expected {expected.message_type!r}, got {head.type!r}")
    try:
        return envelope_for(body_type).model_validate_json(payload)
    except ValidationError as exc:
        raise ContractError(f"invalid {head.type}: {_describe(exc)}") from exc


def sender_of(payload: bytes | str) -> tuple[uuid.UUID, str] | None:
    """The id and claimed source of a message that failed its contract, when those two are readable,
    so that its sender can be told why (and stop resending it); None when they are not."""
    try:
        sender = _Sender.model_validate_json(payload)
    except ValidationError:
        return None
    return sender.id, sender.source


class _Head(BaseModel):
    model_config = ConfigDict(extra="ignore")
    v: int
    type: str


class _Sender(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: uuid.UUID
    source: Identifier


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in err["loc"]) or "(root)"
        parts.append(f"{loc}: {err['msg']}")
    more = exc.error_count() - 5
    if more > 0:
        parts.append(f"... and {more} more")
    return "; ".join(parts)
