"""Analytics refusals: bad filters and report specifications (422 problem+json)."""

from __future__ import annotations

from hub.errors import InvalidInput


class BadAnalyticsQuery(InvalidInput):
    code = "analytics.bad_query"
