"""The billing domain's public face: what other domains may import from it."""

from hub.billing.delivery_charges import ChargePolicy, DeliveryOutcome, DeliveryReport, FailureCharge, FailureRule
from hub.billing.ledger import EntryKind, Ledger, LedgerEntry
from hub.billing.reminders import low_balance, plan_expiring
from hub.billing.renewal import AutoRenewConsent, RenewalDecision, decide_auto_renewal
from hub.billing.renewal_service import consent_of, expire_prepaid, open_renewal_charge, renewal_reference
from hub.billing.service import (
    active_consent,
    append,
    balance_fen,
    charge,
    ledger_rows,
    load_ledger,
    payments_between,
    record_consent,
    revoke_consent,
    statement_money,
)
from hub.billing.statements.formats import statement_csv, statement_json
from hub.billing.statements.pdf import statement_pdf
from hub.billing.statements.reconciliation import ChargeRecord, DeliveredItem, RecordedPayment, reconcile_day
from hub.billing.statements.statement import DeliveryLine, PauseLine, build_monthly_statement

__all__ = [
    "AutoRenewConsent",
    "ChargePolicy",
    "ChargeRecord",
    "DeliveredItem",
    "DeliveryLine",
    "DeliveryOutcome",
    "DeliveryReport",
    "EntryKind",
    "FailureCharge",
    "FailureRule",
    "Ledger",
    "LedgerEntry",
    "PauseLine",
    "RecordedPayment",
    "RenewalDecision",
    "active_consent",
    "append",
    "balance_fen",
    "build_monthly_statement",
    "charge",
    "consent_of",
    "decide_auto_renewal",
    "expire_prepaid",
    "ledger_rows",
    "load_ledger",
    "low_balance",
    "open_renewal_charge",
    "payments_between",
    "plan_expiring",
    "reconcile_day",
    "record_consent",
    "renewal_reference",
    "revoke_consent",
    "statement_csv",
    "statement_json",
    "statement_money",
    "statement_pdf",
]
