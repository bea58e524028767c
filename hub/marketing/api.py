"""Marketing's public module for other domains: granting a coupon once per grant key, a customer's coupons,
and the coupon and points an order pays with (orders' redemption port, provided in ``hub.wiring``)."""

from hub.marketing.coupons import coupon_for_message, customer_coupons, grant_coupon
from hub.marketing.redemption import redeem_at_placement
from hub.marketing.tables import Coupon, MarketingRule, RuleAction

coupons_table = Coupon.__table__  # type: ignore[attr-defined]

marketing_rules_table = MarketingRule.__table__  # type: ignore[attr-defined]

rule_actions_table = RuleAction.__table__  # type: ignore[attr-defined]

__all__ = [
    "coupon_for_message",
    "coupons_table",
    "customer_coupons",
    "grant_coupon",
    "marketing_rules_table",
    "redeem_at_placement",
    "rule_actions_table",
]
