"""What went wrong applying a device message, told without personal data, and whether to try again.

A database's own error text can quote the values it rejected (``Key (value)=(+8613812345678)
already exists``), and a pydantic error quotes its input: neither may reach a log, a dead letter or
a device. ``describe`` keeps the kind of failure, the SQLSTATE and the constraint, and where in our
code it happened; never the message.
"""

from __future__ import annotations

import traceback
from collections import OrderedDict
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import exc as sa_exc

_TRANSIENT = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError, sa_exc.DisconnectionError)
_OUR_PACKAGES = ("hub", "contracts", "mqttlink")


def is_transient(exc: BaseException) -> bool:
    """A failure of the database rather than of the message: connection lost, pool exhausted, locked."""
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, _TRANSIENT)


def describe(exc: BaseException) -> str:
    """One line naming the failure, free of the values involved."""
    kind = type(exc).__name__
    parts: list[str] = []
    orig = getattr(exc, "orig", None)
    if orig is not None:
        kind = f"{kind} ({type(orig).__name__})"
        sqlstate = getattr(orig, "sqlstate", None)
        if sqlstate:
            parts.append(f"SQLSTATE {sqlstate}")
        diag = getattr(orig, "diag", None)
        constraint = getattr(diag, "constraint_name", None) if diag is not None else None
        if constraint:
            parts.append(f"constraint {constraint}")
    elif isinstance(exc, ValidationError):
        parts.append(", ".join(f"{'.'.join(map(str, e['loc']))}: {e['type']}" for e in exc.errors()[:5]))
    where = _where(exc)
    if where:
        parts.append(f"at {where}")
    return kind + (": " + "; ".join(parts) if parts else "")


def _where(exc: BaseException) -> str | None:
    """The innermost frame of our own code the failure passed through."""
    found = None
    for frame in traceback.extract_tb(exc.__traceback__):
        path = Path(frame.filename)
        for i, part in enumerate(path.parts):
            if part in _OUR_PACKAGES:
                found = f"{'/'.join(path.parts[i:])}:{frame.lineno}"
                break
    return found


class AttemptCounter:
    """Failed attempts per message id, remembered for the last ``capacity`` messages."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._counts: OrderedDict[str, int] = OrderedDict()

    def add(self, message_id: str) -> int:
        count = self._counts.pop(message_id, 0) + 1
        self._counts[message_id] = count
        while len(self._counts) > self._capacity:
            self._counts.popitem(last=False)
        return count

    def get(self, message_id: str) -> int:
        return self._counts.get(message_id, 0)

    def forget(self, message_id: str) -> None:
        self._counts.pop(message_id, None)
