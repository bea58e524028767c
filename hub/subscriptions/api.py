"""The subscriptions domain's public face: what other domains may import from it (read-only tables
for figures; changes go through the REST API and this domain's services), and what the composition root
wires (the riders' reports on subscription stops)."""

from hub.subscriptions.rider_reports import apply_rider_report
from hub.subscriptions.rider_routes import STOP_OWNER
from hub.subscriptions.tables import SubscriptionTerm

subscription_terms_table = SubscriptionTerm.__table__  # type: ignore[attr-defined]
"""One row per paid term: subscription_id, seq (0 first), store_id, term_start, term_end, automatic."""

__all__ = ["STOP_OWNER", "apply_rider_report", "subscription_terms_table"]
