"""The times an order may carry, relative to the hub's clock when the order arrives. Pure.

A placed or promised time more than a day in the past or more than 30 days ahead is a clock or a
typing error (year 0001, 9999, the wrong month) and would sort the order out of every kitchen
and dispatch view: it is refused.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hub.errors import InvalidInput

ORDER_TIME_EARLIEST = timedelta(days=1)
"""How far before the hub's clock an order's placed or promised time may be."""
ORDER_TIME_LATEST = timedelta(days=30)
"""How far after the hub's clock an order's placed or promised time may be."""
OFFLINE_ORDER_EARLIEST = timedelta(days=30)
"""How far back a store's own order (taken while the hub was unreachable) may have been placed:
a store cut off for a week still syncs every order it cooked."""


class OrderTimeOutOfRange(InvalidInput):
    code = "order.time_out_of_range"


def check_order_times(now: datetime, *, offline: bool = False, **times: datetime | None) -> None:
    """InvalidInput naming the first given time outside [now - 1 day, now + 30 days].

    ``offline``: the store took the order itself while the hub was away; it may be up to 30 days old.
    """
    back = OFFLINE_ORDER_EARLIEST if offline else ORDER_TIME_EARLIEST
    earliest, latest = now - back, now + ORDER_TIME_LATEST
    for name, value in times.items():
        if value is not None and not earliest <= value <= latest:
            raise OrderTimeOutOfRange(
                f"{name} {value.isoformat()} is outside the accepted range: from {earliest.isoformat()} "
                f"({back.days} day{'s' if back.days != 1 else ''} before the hub's clock) to "
                f"{latest.isoformat()} (30 days after it)"
            )
