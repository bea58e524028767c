"""A device topic the hub consumes, and the service function that applies it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from contracts.envelope import Envelope
from contracts.topics import TopicTemplate
from hub.errors import DomainError

Apply = Callable[[Session, Envelope[Any], dict[str, str]], None]
"""Runs in a worker thread inside a transaction the bridge commits; raises DomainError to refuse."""

ApplyMany = Callable[[Session, Sequence[tuple[Envelope[Any], dict[str, str]]]], dict[int, DomainError]]
"""Applies a group of messages in one transaction; returns index -> reason for each message it refused
as a whole (nothing of those may be written). Raising rolls the group back: the bridge then applies
the messages one by one with ``Apply``."""


@dataclass(frozen=True)
class Route:
    template: TopicTemplate
    apply: Apply
    ack: bool = True
    """Send the sender an application-level ack once applied (its outbox may then forget it)."""
    inbox: bool = True
    """Ignore redeliveries by message id."""
    apply_many: ApplyMany | None = None
    """For high-rate topics (positions): messages waiting in a worker's queue are applied together."""
