"""A customer's prepaid balance as an append-only ledger. Pure: no framework, no database.

The balance is never stored on its own: it is the sum of the entries, always. Amounts are signed
integer fen (+ credits the balance, - debits it). Every entry has a unique key: appending a key
again with the same fact is a no-op that returns the entry already there (a retried job or
webhook), the same key with another kind, amount or reference is refused.

Per kind (``refers_to`` in brackets):

- ``top_up`` > 0 (payment reference, optional); ``expires_on`` when the plan terms limit it.
- ``delivery_charge`` < 0 (the delivery key): at most one per delivery, whatever its key.
- ``adhoc_order`` < 0 (the order id): at most one per order.
- ``refund`` (an entry key): of a charge, > 0, back onto the balance, at most what was charged; of a
  top-up, < 0, back to the payer, at most what was paid and never more than the balance.
- ``adjustment`` != 0 (none) with a ``note`` saying why.
- ``expiry`` < 0 (the top-up key): the unspent rest of a top-up after its ``expires_on``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from hub.billing.errors import AlreadyCharged, EntryKeyConflict, InvalidEntry, RefundTooLarge


class EntryKind(StrEnum):
    TOP_UP = "top_up"
    DELIVERY_CHARGE = "delivery_charge"
    ADHOC_ORDER = "adhoc_order"
    REFUND = "refund"
    ADJUSTMENT = "adjustment"
    EXPIRY = "expiry"


CHARGES = frozenset({EntryKind.DELIVERY_CHARGE, EntryKind.ADHOC_ORDER})


def delivery_charge_key(delivery_key: str) -> str:
    return f"delivery:{delivery_key}"


def expiry_key(top_up_key: str) -> str:
    return f"expiry:{top_up_key}"


@dataclass(frozen=True)
class LedgerEntry:
    key: str
    kind: EntryKind
    amount_fen: int
    business_date: date
    """The store's business date of the fact (decides which top-ups were still spendable)."""
    at: datetime
    actor: str
    """Who: ``customer:<id>``, ``staff:<id>``, ``rider:<id>``, ``system:<job>``."""
    refers_to: str | None = None
    expires_on: date | None = None
    """Top-ups only: spendable through this business date."""
    note: str = ""

    def __post_init__(self) -> None:
        if not self.key.strip() or not self.actor.strip():
            raise InvalidEntry("an entry needs a key and an actor")
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise InvalidEntry(f"entry {self.key}: its time must be timezone-aware")
        if self.expires_on is not None and self.kind is not EntryKind.TOP_UP:
            raise InvalidEntry(f"entry {self.key}: only top-ups expire")
        sign_ok = {
            EntryKind.TOP_UP: self.amount_fen > 0,
            EntryKind.DELIVERY_CHARGE: self.amount_fen < 0,
            EntryKind.ADHOC_ORDER: self.amount_fen < 0,
            EntryKind.REFUND: self.amount_fen != 0,
            EntryKind.ADJUSTMENT: self.amount_fen != 0,
            EntryKind.EXPIRY: self.amount_fen < 0,
        }[self.kind]
        if not sign_ok:
            raise InvalidEntry(f"entry {self.key}: {self.amount_fen} fen is not a valid amount for a {self.kind}")
        needs_ref = self.kind in (*CHARGES, EntryKind.REFUND, EntryKind.EXPIRY)
        if needs_ref and not self.refers_to:
            raise InvalidEntry(f"entry {self.key}: a {self.kind} must say what it refers to")
        if self.kind is EntryKind.ADJUSTMENT and not self.note.strip():
            raise InvalidEntry(f"entry {self.key}: an adjustment needs a note saying why")

    def same_fact(self, other: LedgerEntry) -> bool:
        return (self.kind, self.amount_fen, self.refers_to) == (other.kind, other.amount_fen, other.refers_to)


@dataclass(frozen=True)
class Appended:
    ledger: Ledger
    entry: LedgerEntry
    """The entry now in the ledger under the key (the earlier one when ``created`` is False)."""
    created: bool


@dataclass(frozen=True)
class Ledger:
    """One prepaid account. Load stored rows as they are with ``Ledger(account_id, currency, tuple(rows))``
    (the database keeps keys unique) and ``append`` the new fact; ``replay`` re-checks every rule (audits)."""

    account_id: str
    currency: str = "CNY"
    entries: tuple[LedgerEntry, ...] = ()

    @classmethod
    def replay(cls, account_id: str, entries: Iterable[LedgerEntry], currency: str = "CNY") -> Ledger:
        """Rebuild a ledger from stored entries (in the order they were written), checking every rule."""
        ledger = cls(account_id, currency)
        for entry in entries:
            ledger = ledger.append(entry).ledger
        return ledger

    @property
    def balance_fen(self) -> int:
        return sum(entry.amount_fen for entry in self.entries)

    def get(self, key: str) -> LedgerEntry | None:
        return next((e for e in self.entries if e.key == key), None)

    def charge_for(self, delivery_key: str) -> LedgerEntry | None:
        """The one charge of a delivery, if it was charged."""
        return next(
            (e for e in self.entries if e.kind is EntryKind.DELIVERY_CHARGE and e.refers_to == delivery_key), None
        )

    def refunded_fen(self, key: str) -> int:
        """How much of the entry ``key`` was refunded so far (a positive number)."""
        return sum(abs(e.amount_fen) for e in self.entries if e.kind is EntryKind.REFUND and e.refers_to == key)

    def expired_fen(self, top_up_key: str) -> int:
        return sum(-e.amount_fen for e in self.entries if e.kind is EntryKind.EXPIRY and e.refers_to == top_up_key)

    def last_credit(self) -> LedgerEntry | None:
        """The latest top-up or other credit (a low-balance reminder is sent once per funding)."""
        return next((e for e in reversed(self.entries) if e.amount_fen > 0), None)

    def append(self, entry: LedgerEntry) -> Appended:
        existing = self.get(entry.key)
        if existing is not None:
            if existing.same_fact(entry):
                return Appended(self, existing, created=False)
            raise EntryKeyConflict(
                f"key {entry.key} already records a {existing.kind} of {existing.amount_fen} fen "
                f"for {existing.refers_to or 'nothing'}; refused a {entry.kind} of {entry.amount_fen} fen",
            )
        self._check(entry)
        return Appended(replace(self, entries=(*self.entries, entry)), entry, created=True)

    def _check(self, entry: LedgerEntry) -> None:
        if entry.kind in CHARGES:
            twin = next((e for e in self.entries if e.kind is entry.kind and e.refers_to == entry.refers_to), None)
            if twin is not None:
                raise AlreadyCharged(
                    f"{entry.refers_to} is already charged (entry {twin.key}); a delivery is charged once"
                )
        elif entry.kind is EntryKind.REFUND:
            self._check_refund(entry)
        elif entry.kind is EntryKind.EXPIRY:
            top_up = self.get(entry.refers_to or "")
            if top_up is None or top_up.kind is not EntryKind.TOP_UP:
                raise InvalidEntry(f"expiry {entry.key} must refer to a top-up")
            left = top_up.amount_fen - self.refunded_fen(top_up.key) - self.expired_fen(top_up.key)
            if -entry.amount_fen > left:
                raise InvalidEntry(f"expiry {entry.key}: only {left} fen of top-up {top_up.key} can still expire")

    def _check_refund(self, entry: LedgerEntry) -> None:
        original = self.get(entry.refers_to or "")
        if original is None or original.kind not in (*CHARGES, EntryKind.TOP_UP):
            raise InvalidEntry(f"refund {entry.key} must refer to a top-up or a charge in this ledger")
        if original.kind is EntryKind.TOP_UP:
            if entry.amount_fen > 0:
                raise InvalidEntry(f"refund {entry.key} of a top-up pays money back: its amount is negative")
            left = original.amount_fen - self.refunded_fen(original.key) - self.expired_fen(original.key)
            left = min(left, self.balance_fen)
            what = f"top-up {original.key} and the balance"
        else:
            if entry.amount_fen < 0:
                raise InvalidEntry(f"refund {entry.key} of a charge credits the balance: its amount is positive")
            left = -original.amount_fen - self.refunded_fen(original.key)
            what = f"charge {original.key}"
        if abs(entry.amount_fen) > left:
            raise RefundTooLarge(
                f"refund of {abs(entry.amount_fen)} fen exceeds the {max(left, 0)} fen still refundable of {what}",
                refundable_fen=max(left, 0),
            )
