"""Every table of the hub, imported once so the metadata is complete (Alembic, tests)."""

from sqlmodel import SQLModel

from hub.audit.tables import AuditEntry
from hub.auth.tables import ApiKey, Device, User, UserStore
from hub.crm.profile_tables import CustomerAddress, CustomerConsent, CustomerProfile, CustomerTag
from hub.crm.stats_tables import CrmState, CustomerStats
from hub.crm.tables import Customer, CustomerIdentity, CustomerMerge
from hub.delivery.tables import Delivery, Rider, RiderLastPosition, RiderPositionRecord, RoutePlanRecord, StoreDispatch
from hub.kitchen.tables import KitchenTicketRecord
from hub.loyalty.tables import PointsAccount, PointsEntry
from hub.marketing.tables import Coupon, CouponTemplate, MarketingRule, RuleAction
from hub.notifications.tables import MessageTemplate, Notification
from hub.orders.tables import Order, OrderEvent, OrderLine
from hub.outbox.tables import InboxMessage, OutboxMessage
from hub.stores.tables import MenuItem, Printer, Station, Store

metadata = SQLModel.metadata

__all__ = [
    "ApiKey",
    "AuditEntry",
    "Coupon",
    "CouponTemplate",
    "CrmState",
    "Customer",
    "CustomerAddress",
    "CustomerConsent",
    "CustomerIdentity",
    "CustomerMerge",
    "CustomerProfile",
    "CustomerStats",
    "CustomerTag",
    "Delivery",
    "Device",
    "InboxMessage",
    "KitchenTicketRecord",
    "MarketingRule",
    "MenuItem",
    "MessageTemplate",
    "Notification",
    "Order",
    "OrderEvent",
    "OrderLine",
    "OutboxMessage",
    "PointsAccount",
    "PointsEntry",
    "Printer",
    "Rider",
    "RiderLastPosition",
    "RiderPositionRecord",
    "RoutePlanRecord",
    "RuleAction",
    "Station",
    "Store",
    "StoreDispatch",
    "User",
    "UserStore",
    "metadata",
]
