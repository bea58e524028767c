"""In-process domain events: a domain says what happened; the domains that react subscribe to it.

A lower domain must not import the domains that react to it (orders does not import kitchen to queue
tickets). It publishes an event, a frozen dataclass it defines in its own ``api`` module, and the
composition root (``hub.wiring``) subscribes each reacting domain's handler. Handlers run at once, in
the publisher's thread and on the publisher's session, so a reaction is written, committed or rolled
back with the change that caused it (no outbox hop, no second transaction).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.engine import Connection
from sqlmodel import Session

E = TypeVar("E")
Conn = Connection | Session
Handler = Callable[[Conn, Any], None]


class Events:
    """Event type -> handlers, in the order they were subscribed."""

    def __init__(self) -> None:
        self._handlers: dict[type, list[Handler]] = defaultdict(list)

    def subscribe(self, kind: type[E], handler: Callable[[Conn, E], None]) -> None:
        self._handlers[kind].append(handler)

    def publish(self, conn: Conn, event: object) -> None:
        """Run every handler of ``type(event)``; an exception propagates to the publisher (its
        transaction fails as a whole)."""
        for handler in self._handlers.get(type(event), ()):
            handler(conn, event)

    def handlers(self, kind: type) -> tuple[Handler, ...]:
        return tuple(self._handlers.get(kind, ()))
