"""Imported customers live in their home store's zone, and the same history written differently imports once."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from hub.crm.importing.importer import ImportOptions, run_import
from hub.crm.stats_tables import CustomerStats
from hub.customers.tables import Customer, CustomerIdentity
from hub.marketing.api import coupon_for_message
from hub.marketing.rule_runner import run_rule
from hub.marketing.tables import MarketingRule
from hub.notifications.sender import NotificationSender
from hub.notifications.settings import NotifySettings
from hub.notifications.tables import Notification
from hub.orders.tables import Order
from tests.hub.crm.builders import TZ, World, utc
from tests.hub.crm.gateways import webhook_gateway

pytestmark = pytest.mark.integration
CUSTOMERS = Customer.__table__  # type: ignore[attr-defined]
IDENTITIES = CustomerIdentity.__table__  # type: ignore[attr-defined]
STATS = CustomerStats.__table__  # type: ignore[attr-defined]
RULES = MarketingRule.__table__  # type: ignore[attr-defined]
NOTES = Notification.__table__  # type: ignore[attr-defined]
ORDERS = Order.__table__  # type: ignore[attr-defined]
AT = utc(2025, 6, 30, 10, 18)  # 07:18 in São Paulo, 18:18 in Shanghai, on 30 June in both
SAO_PAULO = "America/Sao_Paulo"


def _cli(url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BRIGADE_DATABASE_URL": url, "BRIGADE_VAR_DIR": str(tmp_path / "var")}
    return subprocess.run(
        [sys.executable, "-m", "hub", *args], env=env, capture_output=True, text=True, timeout=180, check=False
    )


def test_an_imported_sao_paulo_customer_gets_no_sms_at_7_local(world: World, tmp_path: Path, fresh_url: str) -> None:
    store = world.store("sp-1", timezone=SAO_PAULO, name="Pinheiros")
    people = tmp_path / "clientes.csv"
    people.write_text("姓名,手机号,生日,短信营销\nAna,+55 11 91234-5678,06-30,是\n", encoding="utf-8")
    done = _cli(fresh_url, tmp_path, "import", "customers", str(people), "--store", store, "--quiet")
    assert done.returncode == 0, done.stderr
    assert "customers scored" in done.stderr
    ana = world.scalar(select(IDENTITIES.c.customer_id).where(IDENTITIES.c.value == "+5511912345678"))
    assert world.scalar(select(CUSTOMERS.c.home_store_id).where(CUSTOMERS.c.id == ana)) == store
    assert world.scalar(select(STATS.c.timezone).where(STATS.c.customer_id == ana)) == SAO_PAULO

    with world.db.engine.begin() as conn:
        conn.execute(update(RULES).where(RULES.c.id == "birthday").values(enabled=True, channels=["sms"]))
    assert run_rule(world.db, "birthday", now=AT, default_tz=TZ).targeted == 1
    with webhook_gateway("hub-secret") as gateway:
        settings = NotifySettings(webhook_url=gateway.url, quiet_start=time(21, 0), quiet_end=time(9, 0))
        sender = NotificationSender(world.db, settings, "hub-secret", default_tz=TZ, coupons=coupon_for_message)
        assert sender.send_due(AT).deferred == 1, "07:18 in São Paulo is inside the quiet hours"
        assert gateway.posts == []
        assert world.scalar(select(NOTES.c.next_attempt_at)) == utc(2025, 6, 30, 12, 0), "09:00 local"
        assert sender.send_due(AT + timedelta(hours=1, minutes=42)).sent == 1
    assert gateway.accepted[0]["to"] == "+5511912345678"


def test_customers_without_a_home_store_take_the_store_of_their_imported_orders(world: World, tmp_path: Path) -> None:
    store = world.store("sp-2", timezone=SAO_PAULO)
    other = world.store("sh-2")
    people = tmp_path / "people.csv"
    people.write_text("手机号,门店\n+55 11 90000-0001,\n+55 11 90000-0002,\n+55 11 90000-0003," + other + "\n")
    first = run_import(world.db, people, ImportOptions(kind="customers", now=AT))
    assert (first.created, first.bad_rows) == (3, 0)
    history = tmp_path / "orders.csv"
    history.write_text(
        "订单号,手机号,下单时间,实付金额\n"
        "P1,+55 11 90000-0001,2025-06-01 12:30,50.00\n"
        "P3,+55 11 90000-0003,2025-06-01 12:30,50.00\n"
    )
    run_import(world.db, history, ImportOptions(kind="orders", store_id=store, now=AT))
    homes = {
        r.value: (r.home_store_id, r.timezone)
        for r in world.rows(
            select(IDENTITIES.c.value, CUSTOMERS.c.home_store_id, STATS.c.timezone)
            .join(CUSTOMERS, CUSTOMERS.c.id == IDENTITIES.c.customer_id)
            .join(STATS, STATS.c.customer_id == CUSTOMERS.c.id)
        )
    }
    assert homes == {
        "+5511900000001": (store, SAO_PAULO),
        "+5511900000002": (None, TZ),
        "+5511900000003": (other, TZ),
    }, "an existing home store is kept"

    unknown = tmp_path / "unknown.csv"
    unknown.write_text("手机号,门店\n+55 11 90000-0009,nowhere\n")
    report = run_import(world.db, unknown, ImportOptions(kind="customers", now=AT))
    assert [(e.field, e.message) for e in report.errors] == [("store_id", "no store 'nowhere'")]


WS_HISTORY = (
    " 00004 0001 19970101  2   29.33\n"
    " 00004 0001 19970101  2   29.33\n"  # the same purchase twice that day: two lines, two orders
    " 00004 0001 19970118  2   29.73\n"
    " 00021 0002 19970101  3   63.34\n"
)
CSV_HISTORY = (  # the same history exported again: other date spelling, other amount spelling, other columns
    "customer,day,amount,cds\n"
    "00004,1997-01-01,29.330,2\n"
    "00004,1997-01-01,29.33,2\n"
    "00004,1997/01/18,29.73,2\n"
    "00021,1997-01-01,63.34,3\n"
)


def _history_options(store: str, **changes: object) -> ImportOptions:
    values: dict[str, object] = dict(kind="orders", source="cdnow", store_id=store, now=AT)
    values.update(changes)
    return ImportOptions(**values)  # type: ignore[arg-type]


def test_the_same_history_written_differently_imports_once(world: World, tmp_path: Path) -> None:
    store = world.store("ny-1", timezone="America/New_York")
    first_file, second_file = tmp_path / "history.txt", tmp_path / "history.csv"
    first_file.write_text(WS_HISTORY)
    second_file.write_text(CSV_HISTORY)
    mapping = {"customer_external_id": "1", "placed_at": "3", "total": "5"}
    first = run_import(world.db, first_file, _history_options(store, header=False, delimiter="ws", mapping=mapping))
    assert (first.created, first.bad_rows) == (4, 0)
    again = run_import(
        world.db,
        second_file,
        _history_options(store, mapping={"customer_external_id": "customer", "placed_at": "day", "total": "amount"}),
    )
    assert (again.created, again.unchanged, again.bad_rows) == (0, 4, 0), "parsed values, not cell text"
    assert world.count(ORDERS) == 4

    phones_a, phones_b = tmp_path / "a.csv", tmp_path / "b.csv"
    phones_a.write_text("手机号,下单时间,实付金额\n13812345678,2025-06-01 12:30,45.5\n")
    phones_b.write_text("手机号,下单时间,实付金额\n+86 138-1234-5678,2025-06-01 12:30:00,45.50\n")
    assert run_import(world.db, phones_a, _history_options(store, source="shop")).created == 1
    assert run_import(world.db, phones_b, _history_options(store, source="shop")).created == 0
    assert world.count(ORDERS) == 5


def test_history_imported_by_the_previous_version_is_not_imported_again(world: World, tmp_path: Path) -> None:
    """Earlier versions keyed rows without an order id by their raw cells; those keys are still honoured."""
    store = world.store("ny-2", timezone="America/New_York")
    path = tmp_path / "history.txt"
    path.write_text(WS_HISTORY)
    options = _history_options(
        store, header=False, delimiter="ws", mapping={"customer_external_id": "1", "placed_at": "3", "total": "5"}
    )
    seen: dict[str, int] = {}
    with world.db.session() as session:  # what the previous version wrote for this file
        for line in WS_HISTORY.splitlines():
            digest = hashlib.sha1(repr(line.split()).encode(), usedforsecurity=False).hexdigest()[:20]
            seen[digest] = seen.get(digest, 0) + 1
            session.add(
                Order(
                    store_id=store,
                    channel="import-cdnow",
                    external_id=f"{digest}-{seen[digest]}",
                    order_number=digest[:8],
                    status="delivered",
                    subtotal_fen=100,
                    total_fen=100,
                    placed_at=AT,
                )
            )
        session.commit()
    report = run_import(world.db, path, options)
    assert (report.created, report.unchanged) == (0, 4)
    assert world.count(ORDERS) == 4
