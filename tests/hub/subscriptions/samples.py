"""Plans, stores and subscriptions the subscription and billing tests share. Fixed dates only."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hub.kernel.holidays import PublicHolidays
from hub.subscriptions.frequency import Frequency
from hub.subscriptions.holiday_policy import HolidayPolicy
from hub.subscriptions.plans import DeliveryWindow, Plan, PlanItem, PlanKind
from hub.subscriptions.schedule import Subscription
from hub.subscriptions.store_calendar import StoreCalendar
from hub.subscriptions.timeline import ChangeStamp

SH = ZoneInfo("Asia/Shanghai")
MILK = PlanItem("MILK-250", "鲜牛奶 250 ml", 2, 350)
YOGURT = PlanItem("YOG-100", "酸奶", 1, 500)
WINDOW = DeliveryWindow(time(6, 0), time(8, 0))
STORE = StoreCalendar("Asia/Shanghai", time(20, 0), PublicHolidays())


def sh(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    """A Shanghai wall-clock instant (aware)."""
    return datetime(y, mo, d, h, mi, tzinfo=SH)


def stamp(at: datetime, actor: str = "customer:c1") -> ChangeStamp:
    return ChangeStamp(actor, at)


def plan(
    kind: PlanKind = PlanKind.MONTHLY,
    frequency: Frequency | None = None,
    policy: HolidayPolicy | None = None,
    items: tuple[PlanItem, ...] = (MILK, YOGURT),
    **extra: object,
) -> Plan:
    if kind is PlanKind.PUNCH_CARD:
        extra.setdefault("deliveries_included", 10)
        extra.setdefault("valid_days", 90)
    return Plan(
        plan_id=f"plan-{kind}",
        name="鲜奶月卡",
        kind=kind,
        price_fen=36000,
        items=items,
        frequency=frequency or Frequency.daily(),
        window=WINDOW,
        holiday_policy=policy or HolidayPolicy.deliver(),
        **extra,  # type: ignore[arg-type]
    )


def subscribe(
    the_plan: Plan,
    start: date,
    *,
    now: datetime | None = None,
    store: StoreCalendar = STORE,
    subscription_id: str = "sub-1",
    instructions: str = "放门口保温箱",
) -> Subscription:
    """A subscription created at 10:00 Shanghai time a few days before its start."""
    created = now or datetime.combine(start - timedelta(days=3), time(10), tzinfo=SH)
    return Subscription.begin(
        subscription_id=subscription_id,
        customer_id="c1",
        store_id="store-1",
        plan=the_plan,
        store=store,
        start=start,
        address_id="addr-1",
        by=stamp(created, "staff:s1"),
        instructions=instructions,
    )
