"""Billing: the prepaid balance ledger, delivery charges, expiry, reminders, auto-renewal."""
