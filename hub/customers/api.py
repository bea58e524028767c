"""The customer directory as other domains may use it: identities, phone rules, the resolver, the
masking policy and the directory's tables."""

from hub.customers.identity import PRIORITY, CustomerRef, IdentityKey, IdentityKind
from hub.customers.masking import POLICIES, MaskingPolicy, mask_address, mask_digits_in_text, policy_for
from hub.customers.phones import mask_name, mask_phone, normalise_phone
from hub.customers.resolver import find_owners, move_identities, resolve_customer
from hub.customers.tables import Customer, CustomerIdentity, CustomerMerge

customers_table = Customer.__table__  # type: ignore[attr-defined]

customer_identities_table = CustomerIdentity.__table__  # type: ignore[attr-defined]

customer_merges_table = CustomerMerge.__table__  # type: ignore[attr-defined]

__all__ = [
    "POLICIES",
    "PRIORITY",
    "Customer",
    "CustomerIdentity",
    "CustomerMerge",
    "CustomerRef",
    "IdentityKey",
    "IdentityKind",
    "MaskingPolicy",
    "customer_identities_table",
    "customer_merges_table",
    "customers_table",
    "find_owners",
    "mask_address",
    "mask_digits_in_text",
    "mask_name",
    "mask_phone",
    "move_identities",
    "normalise_phone",
    "policy_for",
    "resolve_customer",
]
