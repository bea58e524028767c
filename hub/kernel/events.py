"""In-process domain events: a domain says what happened; the domains that react subscribe to it.

A lower domain must not import the domains that react to it (orders does not import kitchen to queue
tickets). It publishes an event, a frozen dataclass it defines in its own ``api`` module, and the
composition root (``hub.wiring``) subscribes each reacting domain's handler. Handlers run at once, in
the publisher's thread and on the publisher's session, so a reaction is written, committed or rolled
back with the change that caused it (no outbox hop, no second transaction).

A lower domain that needs an answer from a higher one (orders asks marketing for a coupon's
discount) declares a ``Port``: a named call with what it does when nothing is wired. The
composition root ``provide``s the higher domain's implementation on the same ``Events``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from sqlalchemy.engine import Connection
from sqlmodel import Session

E = TypeVar("E")
T = TypeVar("T")
Conn = Connection | Session
Handler = Callable[[Conn, Any], None]


@dataclass(frozen=True)
class Port(Generic[T]):
    """A call a lower domain makes up to a higher one, and what it does when nothing is wired."""

    name: str
    default: T


class Events:
    """Event type -> handlers, in the order they were subscribed; port -> its one implementation."""

    def __init__(self) -> None:
        self._handlers: dict[type, list[Handler]] = defaultdict(list)
        self._ports: dict[str, object] = {}

    def provide(self, port: Port[T], implementation: T) -> None:
        self._ports[port.name] = implementation

    def port(self, port: Port[T]) -> T:
        """The implementation the composition root provided, else the port's default."""
        return cast(T, self._ports.get(port.name, port.default))

    def subscribe(self, kind: type[E], handler: Callable[[Conn, E], None]) -> None:
        self._handlers[kind].append(handler)

    def publish(self, conn: Conn, event: object) -> None:
        """Run every handler of ``type(event)``; an exception propagates to the publisher (its
        transaction fails as a whole)."""
        for handler in self._handlers.get(type(event), ()):
            handler(conn, event)

    def handlers(self, kind: type) -> tuple[Handler, ...]:
        return tuple(self._handlers.get(kind, ()))
