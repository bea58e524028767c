"""Expiry of prepaid value: which top-ups have an unspent rest past their ``expires_on``. Pure.

Spending is matched to top-ups first-expiring-first (the customer's advantage), in business-date
order; a top-up is spendable through its ``expires_on``. Credits without an expiry (refunds of
charges, positive adjustments) are spent last and never expire. A debit with nothing spendable
left makes debt, which the next credit pays first. Because the matching uses each entry's business
date, an expiry job that runs late computes the same amounts as one on time, and running it twice
adds nothing (the expiry key is derived from the top-up key).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from hub.billing.ledger import EntryKind, Ledger, LedgerEntry, expiry_key


@dataclass
class _Lot:
    key: str
    expires_on: date | None
    remaining: int
    order: int


@dataclass(frozen=True)
class PrepaidLot:
    top_up_key: str
    expires_on: date | None
    remaining_fen: int


def prepaid_lots(ledger: Ledger) -> list[PrepaidLot]:
    """Every credit with its unspent rest, in the order it would be spent."""
    lots = _replay(ledger)
    return [PrepaidLot(lot.key, lot.expires_on, lot.remaining) for lot in sorted(lots.values(), key=_spend_order)]


def expiries_due(ledger: Ledger, today: date, *, at: datetime, actor: str = "system:expiry") -> list[LedgerEntry]:
    """The expiry entries to append on ``today``: one per top-up past its date with value left."""
    due: list[LedgerEntry] = []
    for lot in _replay(ledger).values():
        if lot.expires_on is not None and lot.expires_on < today and lot.remaining > 0:
            due.append(
                LedgerEntry(
                    key=expiry_key(lot.key),
                    kind=EntryKind.EXPIRY,
                    amount_fen=-lot.remaining,
                    business_date=today,
                    at=at,
                    actor=actor,
                    refers_to=lot.key,
                    note=f"prepaid value expired after {lot.expires_on.isoformat()}",
                )
            )
    return due


def _spend_order(lot: _Lot) -> tuple[bool, date, int]:
    return (lot.expires_on is None, lot.expires_on or date.max, lot.order)


def _replay(ledger: Ledger) -> dict[str, _Lot]:
    lots: dict[str, _Lot] = {}
    debt = 0
    ordered = sorted(enumerate(ledger.entries), key=lambda pair: (pair[1].business_date, pair[0]))
    for order, entry in ordered:
        amount = entry.amount_fen
        if amount > 0:
            paid = min(debt, amount)
            debt -= paid
            lots[entry.key] = _Lot(entry.key, entry.expires_on, amount - paid, order)
            continue
        wanted = -amount
        own = lots.get(entry.refers_to or "") if entry.kind in (EntryKind.EXPIRY, EntryKind.REFUND) else None
        if own is not None:  # an expiry or a refund of a top-up takes from that top-up first
            taken = min(own.remaining, wanted)
            own.remaining -= taken
            wanted -= taken
        for lot in sorted(lots.values(), key=_spend_order):
            if wanted == 0:
                break
            if lot.expires_on is not None and lot.expires_on < entry.business_date:
                continue
            taken = min(lot.remaining, wanted)
            lot.remaining -= taken
            wanted -= taken
        debt += wanted
    return lots
