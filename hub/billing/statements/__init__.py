"""Monthly statements, payment receipts and the daily reconciliation of a store."""
