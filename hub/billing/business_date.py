"""The business date a money entry is booked on: the date in its store's time zone.

A store in Urumqi that takes cash at 23:30 local time books it on that day, not on China
Standard Time's next day. Entries with no store (a finance adjustment, a provider notice for a
payment opened without one) are booked on the date in China.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from hub.kernel.business_days import CHINA
from hub.kernel.sql_dialect import AnyConn
from hub.stores.api import stores_table


def business_date(conn: AnyConn, store_id: str | None, now: datetime) -> date:
    zone = CHINA
    if store_id:
        name = conn.execute(select(stores_table.c.timezone).where(stores_table.c.id == store_id)).scalar()
        try:
            zone = ZoneInfo(name) if name else CHINA
        except (ZoneInfoNotFoundError, ValueError):
            zone = CHINA  # the stores domain checks the zone when it is set; never fail a payment on it
    return now.astimezone(zone).date()
