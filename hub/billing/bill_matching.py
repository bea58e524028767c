"""Matching a provider's bill rows to the payments we expected, by reference and amount. Pure.

Each bill row is matched to the expected payment (or refund) with the same reference (and refund
number): equal amounts are ``matched``, different ones ``amount_mismatched``. A row whose reference
we do not know (a payment to a static QR code, a typo) may be ``suggested`` for the one expected
payment left with the same amount, for a person to confirm; nothing is credited on a suggestion.
What is left is the unmatched report: rows in the bill we cannot place (``unmatched_rows``, also a
second row for an already matched reference) and expected payments the bill lacks (``missing``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from hub.billing.bill_import import BillRow, BillRowKind
from hub.billing.payments.port import yuan


@dataclass(frozen=True)
class ExpectedPayment:
    reference: str
    customer_id: str
    amount_fen: int
    kind: BillRowKind = BillRowKind.PAYMENT
    refund_id: str | None = None


@dataclass(frozen=True)
class BillMatchLine:
    row: BillRow
    expected: ExpectedPayment

    @property
    def difference_fen(self) -> int:
        """What the bill says minus what we expected."""
        return self.row.amount_fen - self.expected.amount_fen


@dataclass(frozen=True)
class ReportLine:
    """One line of the unmatched report, in plain values for JSON, CSV or a screen."""

    issue: str
    reference: str
    customer_id: str | None
    amount_fen: int
    transaction_id: str | None
    detail: str


@dataclass(frozen=True)
class BillMatch:
    matched: tuple[BillMatchLine, ...]
    amount_mismatched: tuple[BillMatchLine, ...]
    suggested: tuple[BillMatchLine, ...]
    unmatched_rows: tuple[BillRow, ...]
    missing: tuple[ExpectedPayment, ...]
    duplicate_rows: tuple[BillRow, ...] = ()
    """A second row for a reference already matched: paid twice, or a doubled export."""

    @property
    def clean(self) -> bool:
        return not (
            self.amount_mismatched or self.suggested or self.unmatched_rows or self.missing or self.duplicate_rows
        )

    def unmatched_report(self) -> list[ReportLine]:
        lines = [
            ReportLine(
                "amount_mismatch",
                m.expected.reference,
                m.expected.customer_id,
                m.row.amount_fen,
                m.row.transaction_id,
                f"bill line {m.row.line_no}: {yuan(m.row.amount_fen)} yuan, expected {yuan(m.expected.amount_fen)}",
            )
            for m in self.amount_mismatched
        ]
        lines += [
            ReportLine(
                "suggested_by_amount",
                m.expected.reference,
                m.expected.customer_id,
                m.row.amount_fen,
                m.row.transaction_id,
                f"bill line {m.row.line_no} (reference {m.row.reference or 'none'}) has the amount of this "
                "payment and no other: confirm by hand",
            )
            for m in self.suggested
        ]
        lines += [
            ReportLine(
                "not_expected",
                r.reference,
                None,
                r.amount_fen,
                r.transaction_id,
                f"bill line {r.line_no}: {r.kind} of {yuan(r.amount_fen)} yuan that we have no record of",
            )
            for r in self.unmatched_rows
        ]
        lines += [
            ReportLine(
                "duplicate_in_bill",
                r.reference,
                None,
                r.amount_fen,
                r.transaction_id,
                f"bill line {r.line_no}: a second {r.kind} for reference {r.reference}",
            )
            for r in self.duplicate_rows
        ]
        lines += [
            ReportLine(
                "not_in_bill",
                e.reference,
                e.customer_id,
                e.amount_fen,
                None,
                f"expected {e.kind} of {yuan(e.amount_fen)} yuan is not in the provider's bill",
            )
            for e in self.missing
        ]
        return lines


def match_bill(
    rows: Iterable[BillRow], expected: Iterable[ExpectedPayment], *, suggest_by_amount: bool = True
) -> BillMatch:
    waiting = {_key(e.kind, e.reference, e.refund_id): e for e in expected}
    matched: list[BillMatchLine] = []
    mismatched: list[BillMatchLine] = []
    unplaced: list[BillRow] = []
    duplicates: list[BillRow] = []
    done: set[tuple[str, str, str]] = set()
    for row in sorted(rows, key=lambda r: (r.occurred_at, r.line_no)):
        key = _key(row.kind, row.reference, row.refund_id)
        exp = waiting.pop(key, None) if row.reference else None
        if exp is None and row.reference and key in done:
            duplicates.append(row)
        elif exp is None:
            unplaced.append(row)
        else:
            done.add(key)
            (matched if exp.amount_fen == row.amount_fen else mismatched).append(BillMatchLine(row, exp))
    suggested: list[BillMatchLine] = []
    if suggest_by_amount:
        suggested = _by_amount(unplaced, list(waiting.values()))
        used_rows = {id(s.row) for s in suggested}
        unplaced = [r for r in unplaced if id(r) not in used_rows]
        for s in suggested:
            waiting.pop(_key(s.expected.kind, s.expected.reference, s.expected.refund_id))
    return BillMatch(
        tuple(matched), tuple(mismatched), tuple(suggested), tuple(unplaced), tuple(waiting.values()), tuple(duplicates)
    )


def _by_amount(rows: list[BillRow], left: list[ExpectedPayment]) -> list[BillMatchLine]:
    """Pair a row with the expected payment of the same amount, only where neither side is ambiguous."""
    row_counts = Counter((r.kind, r.amount_fen) for r in rows)
    exp_counts = Counter((e.kind, e.amount_fen) for e in left)
    pairs = []
    for row in rows:
        key = (row.kind, row.amount_fen)
        if row_counts[key] == 1 and exp_counts[key] == 1:
            exp = next(e for e in left if (e.kind, e.amount_fen) == key)
            pairs.append(BillMatchLine(row, exp))
    return pairs


def _key(kind: BillRowKind, reference: str, refund_id: str | None) -> tuple[str, str, str]:
    return (kind, reference, refund_id or "") if kind is BillRowKind.REFUND else (kind, reference, "")
