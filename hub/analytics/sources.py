"""The other domains' tables analytics reads, each taken from that domain's public ``api`` module."""

from hub.crm.api import customer_tags_table, customers_table
from hub.delivery.api import deliveries_table, riders_table
from hub.kitchen.api import kitchen_tickets_table
from hub.marketing.api import coupons_table, marketing_rules_table, rule_actions_table
from hub.notifications.api import notifications_table
from hub.orders.api import NOT_COUNTED_STATUSES, order_lines_table, orders_table
from hub.stores.api import stations_table, stores_table
from hub.subscriptions.api import subscription_terms_table

orders = orders_table
lines = order_lines_table
stores = stores_table
stations = stations_table
customers = customers_table
customer_tags = customer_tags_table
deliveries = deliveries_table
riders = riders_table
tickets = kitchen_tickets_table
coupons = coupons_table
rules = marketing_rules_table
rule_actions = rule_actions_table
notifications = notifications_table
subscription_terms = subscription_terms_table
NOT_COUNTED = NOT_COUNTED_STATUSES

__all__ = [
    "NOT_COUNTED",
    "coupons",
    "customer_tags",
    "customers",
    "deliveries",
    "lines",
    "notifications",
    "orders",
    "riders",
    "rule_actions",
    "rules",
    "stations",
    "stores",
    "subscription_terms",
    "tickets",
]
