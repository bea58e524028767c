"""Loyalty's public module for other domains: a customer's points balance, spending points,
the reward request, and the ledger's tables."""

from hub.loyalty.ledger import balance, spend
from hub.loyalty.order_points import earn_for_order, refund_for_order, reverse_for_order
from hub.loyalty.schemas import RewardIn
from hub.loyalty.tables import PointsAccount, PointsEntry

points_accounts_table = PointsAccount.__table__  # type: ignore[attr-defined]

points_ledger_table = PointsEntry.__table__  # type: ignore[attr-defined]

__all__ = [
    "RewardIn",
    "balance",
    "earn_for_order",
    "points_accounts_table",
    "points_ledger_table",
    "refund_for_order",
    "reverse_for_order",
    "spend",
]
