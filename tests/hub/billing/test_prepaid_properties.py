"""Random sequences of top-ups, pauses, skips, changes, deliveries, failures and refunds over a pure
in-memory depot: the balance equals the ledger, nothing is charged twice, paused dates generate
nothing, generation run twice creates nothing twice, business dates are right across Shanghai
midnight and around Spring Festival (the model runs from 12 February 2026 through the holiday)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.billing.delivery_charges import ChargePolicy, DeliveryOutcome, DeliveryReport, FailureCharge, FailureRule
from hub.billing.delivery_charges import charge_delivery as charge
from hub.billing.errors import RefundTooLarge
from hub.billing.expiry import expiries_due
from hub.billing.ledger import EntryKind, Ledger, LedgerEntry
from hub.errors import DomainError
from hub.subscriptions.frequency import Frequency
from hub.subscriptions.generation import DeliveryKey, GeneratedDelivery, run_generation
from hub.subscriptions.holiday_policy import HolidayPolicy
from hub.subscriptions.plans import Plan, PlanItem, PlanKind
from hub.subscriptions.schedule import Subscription
from tests.hub.subscriptions.samples import MILK, STORE, plan, sh, stamp, subscribe

START = date(2026, 2, 12)  # then the make-up Saturday (14th), Spring Festival (15-23), the 24th
PLANS = [
    plan(policy=HolidayPolicy.shift()),
    plan(frequency=Frequency.on_weekdays(0, 2, 4), policy=HolidayPolicy.shift()),
    plan(PlanKind.PUNCH_CARD, frequency=Frequency.every_other_day(), policy=HolidayPolicy.skip()),
    plan(frequency=Frequency.working_days()),
]
# Each policy with what the model expects it to charge (failed, not home), written out independently.
POLICIES = [
    (ChargePolicy(), {DeliveryOutcome.FAILED: lambda fen: 0, DeliveryOutcome.NOT_HOME: lambda fen: fen}),
    (
        ChargePolicy(FailureRule(FailureCharge.FEE, 200), FailureRule(FailureCharge.NONE)),
        {DeliveryOutcome.FAILED: lambda fen: 200, DeliveryOutcome.NOT_HOME: lambda fen: 0},
    ),
]


@dataclass
class Depot:
    sub: Subscription
    policy: ChargePolicy
    expected_charge: dict[DeliveryOutcome, Callable[[int], int]]
    today: date = START - timedelta(days=1)
    ledger: Ledger = field(default_factory=lambda: Ledger("acct-1"))
    expected_balance: int = 0
    generated: dict[DeliveryKey, GeneratedDelivery] = field(default_factory=dict)
    serial: int = 0

    @property
    def now(self) -> datetime:
        return sh(self.today.year, self.today.month, self.today.day, 9)

    def key(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}-{self.serial}"

    def top_up(self, fen: int, valid_days: int | None) -> None:
        expires = self.today + timedelta(days=valid_days) if valid_days else None
        entry = LedgerEntry(self.key("t"), EntryKind.TOP_UP, fen, self.today, self.now, "customer:c1", "pay", expires)
        self.ledger = self.ledger.append(entry).ledger
        self.expected_balance += fen

    def change(self, kind: str, offset: int, arg: int | None) -> None:
        day = STORE.first_changeable(self.now) + timedelta(days=offset)
        by = stamp(self.now)
        try:
            if kind == "pause":
                self.sub = self.sub.pause(day, None if arg is None else day + timedelta(days=arg), by=by)
            elif kind == "resume":
                self.sub = self.sub.resume(day, by=by)
            elif kind == "skip":
                self.sub = self.sub.skip(day, by=by)
            elif kind == "extra":
                self.sub = self.sub.add_extra(day, by=by)
            else:
                items = (PlanItem(MILK.sku, MILK.name, arg or 1, MILK.unit_price_fen),)
                self.sub = self.sub.change_terms(day, by=by, items=items)
        except DomainError:
            pass  # refused (overlap, nothing planned, ...): the model's state is unchanged

    def next_day(self, minutes_after_cutoff: int, outcome: DeliveryOutcome, retry: bool) -> None:
        cutoff = datetime.combine(self.today, time(20), tzinfo=STORE_ZONE) + timedelta(minutes=minutes_after_cutoff)
        tomorrow = self.today + timedelta(days=1)
        existing = set(self.generated)
        run = run_generation(store_id="store-1", store=STORE, now=cutoff, subscriptions=[self.sub], existing=existing)
        assert run.business_date == tomorrow  # 20:00 to 01:59 local: across midnight, the same business date
        for delivery in run.new:
            assert not self.sub.paused_on(delivery.business_date)
            self.generated[delivery.key] = delivery
        again = run_generation(
            store_id="store-1", store=STORE, now=cutoff, subscriptions=[self.sub], existing=set(self.generated)
        )
        assert again.new == () and again.due == run.due
        self.today = tomorrow
        for delivery in run.new:
            self.deliver(delivery, outcome, retry)

    def deliver(self, delivery: GeneratedDelivery, outcome: DeliveryOutcome, retry: bool) -> None:
        report = DeliveryReport(
            delivery.key.as_text(), delivery.business_date, outcome, delivery.amount_fen, self.now, "rider:r1"
        )
        result = charge(self.ledger, report, self.policy)
        self.ledger = result.ledger
        fen = delivery.amount_fen
        self.expected_balance -= fen if outcome is DeliveryOutcome.DELIVERED else self.expected_charge[outcome](fen)
        if retry:
            assert not charge(self.ledger, report, self.policy).created
        if result.gives_back_plan_delivery and self.sub.plan.is_punch_card and delivery.plan_deliveries:
            self.sub = self.sub.return_punch(delivery.business_date, str(outcome), by=stamp(self.now, "rider:r1"))

    def refund(self, pick: int, fen: int, of_top_up: bool) -> None:
        kinds = {EntryKind.TOP_UP} if of_top_up else {EntryKind.DELIVERY_CHARGE}
        targets = [e for e in self.ledger.entries if e.kind in kinds]
        if not targets:
            return
        target = targets[pick % len(targets)]
        amount = -fen if of_top_up else fen
        entry = LedgerEntry(self.key("r"), EntryKind.REFUND, amount, self.today, self.now, "staff:s1", target.key)
        try:
            self.ledger = self.ledger.append(entry).ledger
        except RefundTooLarge:
            return
        self.expected_balance += amount

    def expire(self) -> None:
        for entry in expiries_due(self.ledger, self.today, at=self.now):
            self.ledger = self.ledger.append(entry).ledger
            self.expected_balance += entry.amount_fen
        assert expiries_due(self.ledger, self.today, at=self.now) == []


STORE_ZONE = sh(2026, 1, 1).tzinfo
offsets = st.integers(0, 8)
operations = st.one_of(
    st.tuples(st.just("top_up"), st.integers(100, 20000), st.sampled_from([None, 5, 30])),
    st.tuples(st.just("pause"), offsets, st.one_of(st.none(), st.integers(0, 6))),
    st.tuples(st.just("resume"), offsets, st.none()),
    st.tuples(st.just("skip"), offsets, st.none()),
    st.tuples(st.just("extra"), offsets, st.none()),
    st.tuples(st.just("items"), offsets, st.integers(1, 3)),
    st.tuples(st.just("refund"), st.integers(0, 50), st.integers(1, 3000)),
    st.tuples(st.just("refund_top_up"), st.integers(0, 50), st.integers(1, 8000)),
    st.tuples(st.just("expire"), st.none(), st.none()),
)
Day = tuple[list[tuple[str, int | None, int | None]], int, DeliveryOutcome, bool]
outcomes = st.sampled_from([*DeliveryOutcome][1:] + [DeliveryOutcome.DELIVERED] * 3)
days = st.tuples(
    st.lists(operations, max_size=3),  # what happens during the day, before the cut-off
    st.integers(0, 359),  # the generation run starts 0-359 minutes after 20:00: up to 01:59 the next day
    outcomes,  # how tomorrow's delivery ends
    st.booleans(),  # whether the rider's report is sent twice
)


@settings(max_examples=100, deadline=None)
@given(
    the_plan=st.sampled_from(PLANS), policy=st.sampled_from(POLICIES), steps=st.lists(days, min_size=14, max_size=20)
)
def test_random_days_of_a_depot_keep_the_ledger_and_the_schedule_consistent(
    the_plan: Plan, policy: tuple[ChargePolicy, dict[DeliveryOutcome, Callable[[int], int]]], steps: list[Day]
) -> None:
    depot = Depot(subscribe(the_plan, START, now=sh(2026, 2, 11, 9)), *policy)
    for happenings, minutes, outcome, retry in steps:
        for kind, a, b in happenings:
            if kind == "top_up":
                depot.top_up(a, b)
            elif kind in ("refund", "refund_top_up"):
                depot.refund(a, b, of_top_up=kind == "refund_top_up")
            elif kind == "expire":
                depot.expire()
            else:
                depot.change("change" if kind == "items" else kind, a, b)
        depot.next_day(minutes, outcome, retry)

        entries = depot.ledger.entries
        assert depot.ledger.balance_fen == sum(e.amount_fen for e in entries) == depot.expected_balance
        charges = Counter(e.refers_to for e in entries if e.kind is EntryKind.DELIVERY_CHARGE)
        assert all(n == 1 for n in charges.values()), charges
        assert set(charges) <= {k.as_text() for k in depot.generated}
        for e in entries:
            if e.kind in (EntryKind.DELIVERY_CHARGE, EntryKind.TOP_UP):
                assert depot.ledger.refunded_fen(e.key) <= abs(e.amount_fen)

    assert Ledger.replay("acct-1", depot.ledger.entries) == depot.ledger  # every stored entry obeys the rules
    for key, delivery in depot.generated.items():
        assert not depot.sub.paused_on(key.business_date)  # a pause can never reach back over a generated date
        charged = depot.ledger.charge_for(key.as_text())
        if charged is not None and charged.note == "delivered":
            assert -charged.amount_fen == delivery.amount_fen
    if depot.sub.punch_allowance is not None:
        used = sum(d.plan_deliveries for d in depot.generated.values())
        returned = sum(r.count for r in depot.sub.returned_punches)
        assert used - returned <= (depot.sub.plan.deliveries_included or 0)
