"""The CRM's public module for other domains: customers as a caller may see them, creating one, their
profile and the 360's CRM part, the masking policy, the CRM's roles, and the tables other domains read."""

from hub.crm.events import CustomersMerged
from hub.crm.identity import CustomerRef
from hub.crm.masked_views import masked_360, masked_export_row
from hub.crm.masking import MaskingPolicy, policy_for
from hub.crm.phones import mask_name, normalise_phone
from hub.crm.profile import update_profile
from hub.crm.profile_schemas import CouponHeldOut, Customer360Out, ProfilePatch
from hub.crm.profile_tables import CustomerAddress, CustomerConsent, CustomerProfile, CustomerTag
from hub.crm.roles import LedgerReaderDep, MarketerDep, PrivacyDep, ProfileEditorDep, TaggerDep
from hub.crm.service import create_customer, visible_customer
from hub.crm.stats_tables import CustomerStats
from hub.crm.store_scope import order_ids_elsewhere
from hub.crm.tables import Customer, CustomerIdentity
from hub.crm.view360 import crm_360

customers_table = Customer.__table__  # type: ignore[attr-defined]

customer_identities_table = CustomerIdentity.__table__  # type: ignore[attr-defined]

customer_profiles_table = CustomerProfile.__table__  # type: ignore[attr-defined]

customer_addresses_table = CustomerAddress.__table__  # type: ignore[attr-defined]

customer_consents_table = CustomerConsent.__table__  # type: ignore[attr-defined]

customer_tags_table = CustomerTag.__table__  # type: ignore[attr-defined]

customer_stats_table = CustomerStats.__table__  # type: ignore[attr-defined]

__all__ = [
    "CouponHeldOut",
    "Customer",
    "Customer360Out",
    "CustomerRef",
    "CustomersMerged",
    "LedgerReaderDep",
    "MarketerDep",
    "MaskingPolicy",
    "PrivacyDep",
    "ProfileEditorDep",
    "ProfilePatch",
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
    "mask_name",
    "masked_360",
    "masked_export_row",
    "normalise_phone",
    "order_ids_elsewhere",
    "policy_for",
    "update_profile",
    "visible_customer",
]
