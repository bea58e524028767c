"""A pooled connection is pinged on checkout only when it sat idle in the pool for a while.

SQLAlchemy's ``pool_pre_ping`` pings on every checkout: a round trip (and its Python) per request,
on a connection that was returned a millisecond ago by the request before. A connection that sat in
the pool longer than ``IDLE_PING_S`` may have been dropped meanwhile (a database restart, a proxy
timeout, a network cut); that one is pinged, and a failed ping raises ``DisconnectionError``, on
which the pool discards it and checks out (and pings) another, as ``pool_pre_ping`` does. A
connection lost while a request holds it fails that request (503), as it did with ``pool_pre_ping``.
"""

from __future__ import annotations

from time import monotonic
from typing import Any

from sqlalchemy import Engine, event, exc

IDLE_PING_S = 2.0
"""A connection idle longer than this is pinged before it is used again."""

_RETURNED_AT = "brigade_returned_at"


def ping_after_idle(engine: Engine, idle_s: float = IDLE_PING_S) -> None:
    """Install the checkout ping on ``engine`` (built without ``pool_pre_ping``)."""

    def stamp(_dbapi_connection: Any, record: Any) -> None:  # opened or given back: known good now
        record.info[_RETURNED_AT] = monotonic()

    def checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned_at = record.info.get(_RETURNED_AT)
        if returned_at is not None and monotonic() - returned_at < idle_s:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # any failure: the pool drops this connection and opens another
            raise exc.DisconnectionError(f"pooled connection failed its ping: {type(error).__name__}") from error

    event.listen(engine, "connect", stamp)
    event.listen(engine, "checkin", stamp)
    event.listen(engine, "checkout", checked_out)
