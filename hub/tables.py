"""Every table of the hub, imported once so the metadata is complete (Alembic, tests)."""

from sqlmodel import SQLModel

from hub.analytics.rider_rollup import DELIVERIES_UPDATED_AT
from hub.analytics.rollup import ORDERS_UPDATED_AT
from hub.analytics.tables import (
    ChurnFit,
    ChurnScore,
    CustomerFirsts,
    DailyRiders,
    DailySales,
    PurchaseDay,
    RollupState,
)
from hub.audit.tables import AuditEntry
from hub.auth.tables import ApiKey, LoginFailures, User, UserStore
from hub.billing.tables import AutoRenewConsentRecord, LedgerEntryRecord, PaymentOrderRecord, PaymentRecord
from hub.crm.profile_tables import CustomerAddress, CustomerConsent, CustomerProfile, CustomerTag
from hub.crm.stats_tables import CrmState, CustomerStats
from hub.customers.api import Customer, CustomerIdentity, CustomerMerge
from hub.delivery.tables import Delivery, Rider, RiderLastPosition, RiderPositionRecord, RoutePlanRecord, StoreDispatch
from hub.devices.tables import Device
from hub.kitchen.tables import KitchenTicketRecord
from hub.loyalty.tables import PointsAccount, PointsEntry
from hub.marketing.tables import Coupon, CouponTemplate, MarketingRule, RuleAction
from hub.notifications.tables import MessageTemplate, Notification
from hub.orders.tables import Order, OrderEvent, OrderLine
from hub.outbox.tables import InboxMessage, OutboxMessage
from hub.service.tables import (
    ServiceAgent,
    ServiceAssignmentRule,
    ServiceCompensation,
    ServiceLead,
    ServiceLeadChange,
    ServiceLeadReminder,
    ServiceSlaEvent,
    ServiceSlaPolicy,
    ServiceSurvey,
    ServiceSurveyAnswer,
    ServiceTicket,
    ServiceTicketChange,
    ServiceTicketMessage,
)
from hub.stores.tables import MenuItem, Printer, Station, Store
from hub.subscriptions.tables import (
    SubscriptionAddress,
    SubscriptionChange,
    SubscriptionDelivery,
    SubscriptionPlanRecord,
    SubscriptionRecord,
    SubscriptionStoreSettings,
    SubscriptionTerm,
)

metadata = SQLModel.metadata

__all__ = [
    "DELIVERIES_UPDATED_AT",
    "ORDERS_UPDATED_AT",
    "ApiKey",
    "AuditEntry",
    "AutoRenewConsentRecord",
    "ChurnFit",
    "ChurnScore",
    "Coupon",
    "CouponTemplate",
    "CrmState",
    "Customer",
    "CustomerAddress",
    "CustomerConsent",
    "CustomerFirsts",
    "CustomerIdentity",
    "CustomerMerge",
    "CustomerProfile",
    "CustomerStats",
    "CustomerTag",
    "DailyRiders",
    "DailySales",
    "Delivery",
    "Device",
    "InboxMessage",
    "KitchenTicketRecord",
    "LedgerEntryRecord",
    "LoginFailures",
    "MarketingRule",
    "MenuItem",
    "MessageTemplate",
    "Notification",
    "Order",
    "OrderEvent",
    "OrderLine",
    "OutboxMessage",
    "PaymentOrderRecord",
    "PaymentRecord",
    "PointsAccount",
    "PointsEntry",
    "Printer",
    "PurchaseDay",
    "Rider",
    "RiderLastPosition",
    "RiderPositionRecord",
    "RollupState",
    "RoutePlanRecord",
    "RuleAction",
    "ServiceAgent",
    "ServiceAssignmentRule",
    "ServiceCompensation",
    "ServiceLead",
    "ServiceLeadChange",
    "ServiceLeadReminder",
    "ServiceSlaEvent",
    "ServiceSlaPolicy",
    "ServiceSurvey",
    "ServiceSurveyAnswer",
    "ServiceTicket",
    "ServiceTicketChange",
    "ServiceTicketMessage",
    "Station",
    "Store",
    "StoreDispatch",
    "SubscriptionAddress",
    "SubscriptionChange",
    "SubscriptionDelivery",
    "SubscriptionPlanRecord",
    "SubscriptionRecord",
    "SubscriptionStoreSettings",
    "SubscriptionTerm",
    "User",
    "UserStore",
    "metadata",
]
