"""The CRM's public module for other domains: customers as a caller may see them, creating one, their
profile and the 360's CRM part, the CRM's roles, and the tables other domains read. The directory's
records, phone rules and masking policy are ``hub.customers.api``'s, re-exported here for the CRM's readers."""

from hub.crm.as_of import AsOf, BadAsOf
from hub.crm.config import CrmConfig, get_state, load_config, put_state
from hub.crm.events import CustomersMerged
from hub.crm.masked_views import masked_360, masked_export_row
from hub.crm.profile import set_consent, update_profile
from hub.crm.profile_schemas import CouponHeldOut, Customer360Out, ProfilePatch
from hub.crm.profile_tables import CustomerAddress, CustomerConsent, CustomerProfile, CustomerTag
from hub.crm.recompute import recompute_all, refresh_and_score, score_missing, store_timezones
from hub.crm.roles import LedgerReaderDep, MarketerDep, PrivacyDep, ProfileEditorDep, TaggerDep
from hub.crm.segments import Lifecycle, Segment
from hub.crm.service import create_customer, visible_customer
from hub.crm.stats_refresh import refresh_customers
from hub.crm.stats_tables import CustomerStats
from hub.crm.store_scope import order_ids_elsewhere, sees_customer_id
from hub.crm.view360 import crm_360
from hub.customers.api import (
    Customer,
    CustomerRef,
    MaskingPolicy,
    customer_identities_table,
    customers_table,
    mask_name,
    normalise_phone,
    policy_for,
)

customer_profiles_table = CustomerProfile.__table__  # type: ignore[attr-defined]

customer_addresses_table = CustomerAddress.__table__  # type: ignore[attr-defined]

customer_consents_table = CustomerConsent.__table__  # type: ignore[attr-defined]

customer_tags_table = CustomerTag.__table__  # type: ignore[attr-defined]

customer_stats_table = CustomerStats.__table__  # type: ignore[attr-defined]

__all__ = [
    "AsOf",
    "BadAsOf",
    "CouponHeldOut",
    "CrmConfig",
    "Customer",
    "Customer360Out",
    "CustomerConsent",
    "CustomerProfile",
    "CustomerRef",
    "CustomerStats",
    "CustomerTag",
    "CustomersMerged",
    "LedgerReaderDep",
    "Lifecycle",
    "MarketerDep",
    "MaskingPolicy",
    "PrivacyDep",
    "ProfileEditorDep",
    "ProfilePatch",
    "Segment",
    "TaggerDep",
    "create_customer",
    "crm_360",
    "customer_addresses_table",
    "customer_consents_table",
    "customer_identities_table",
    "customer_profiles_table",
    "customer_stats_table",
    "customer_tags_table",
    "customers_table",
    "get_state",
    "load_config",
    "mask_name",
    "masked_360",
    "masked_export_row",
    "normalise_phone",
    "order_ids_elsewhere",
    "policy_for",
    "put_state",
    "recompute_all",
    "refresh_and_score",
    "refresh_customers",
    "score_missing",
    "sees_customer_id",
    "set_consent",
    "store_timezones",
    "update_profile",
    "visible_customer",
]
