"""Importing customers and orders from CSV and Excel: dedupe, per-row report, all-or-nothing, dry run, CDNOW."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from hub.crm.importing.importer import ImportOptions, run_import
from hub.crm.profile_tables import CustomerAddress, CustomerConsent, CustomerProfile, CustomerTag
from hub.customers.tables import Customer, CustomerIdentity
from hub.orders.tables import Order
from tests.hub.crm.builders import World
from tests.services import missing
from tests.shared_data import SHARED_DATA

pytestmark = pytest.mark.integration
CUSTOMERS = Customer.__table__  # type: ignore[attr-defined]
IDENTITIES = CustomerIdentity.__table__  # type: ignore[attr-defined]
ORDERS = Order.__table__  # type: ignore[attr-defined]
CDNOW = SHARED_DATA / "crm" / "CDNOW_sample.txt"

GOOD_AND_BAD = (
    "姓名,手机号,会员卡号,生日,邮箱,地址,配送备注,标签,短信营销\n"
    "王小明,138 1234 5678,,1990-07-01,xm@example.cn,上海市黄浦区南京东路1号,放门口保温箱,VIP;辣,是\n"
    "李雷,+86-139-0000-1111,M-0001,07-02,,,,,否\n"
    "韩梅梅,12345,,,,,,,\n"  # row 4: not a phone
    "无名氏,,,,,,,,\n"  # row 5: nobody
    "张三,13700001234,,1990-02-30,not-an-email,,,,maybe\n"  # row 6: three bad cells
    "王小明,13812345678,,,,,,常客,\n"  # row 7: the same person as row 2
)


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding)
    return path


def _customers(world: World) -> int:
    return world.count(CUSTOMERS)


def test_good_rows_are_imported_and_bad_rows_reported(world: World, tmp_path: Path) -> None:
    path = _write(tmp_path / "customers.csv", GOOD_AND_BAD)
    report = run_import(world.db, path, ImportOptions(kind="customers"))
    assert (report.rows, report.created, report.updated, report.bad_rows) == (6, 2, 1, 3)
    problems = {(e.row, e.field) for e in report.errors}
    assert problems == {(4, "phone"), (5, "phone"), (6, "birthday"), (6, "email"), (6, "consent_sms")}
    assert "not a phone number" in next(e.message for e in report.errors if e.row == 4)
    assert report.applied and _customers(world) == 2

    xiaoming = world.scalar(select(IDENTITIES.c.customer_id).where(IDENTITIES.c.value == "+8613812345678"))
    profile = world.rows(select(CustomerProfile.__table__).where(CustomerProfile.__table__.c.customer_id == xiaoming))[
        0
    ]  # type: ignore[attr-defined]
    assert (profile.birth_year, profile.birth_month, profile.birth_day, profile.email) == (1990, 7, 1, "xm@example.cn")
    address = world.rows(select(CustomerAddress.__table__))[0]  # type: ignore[attr-defined]
    assert (address.address, address.notes, address.is_default) == ("上海市黄浦区南京东路1号", "放门口保温箱", True)
    tags = {r.tag for r in world.rows(select(CustomerTag.__table__.c.tag))}  # type: ignore[attr-defined]
    assert tags == {"VIP", "辣", "常客"}
    consents = {(r.customer_id == xiaoming, r.granted) for r in world.rows(select(CustomerConsent.__table__))}  # type: ignore[attr-defined]
    assert consents == {(True, True), (False, False)}


def test_importing_the_same_file_twice_creates_no_duplicates(world: World, tmp_path: Path) -> None:
    store = world.store()
    existing = world.customer(phone="13900001111", store_id=store)  # already a customer from an order
    path = _write(tmp_path / "customers.csv", GOOD_AND_BAD)
    first = run_import(world.db, path, ImportOptions(kind="customers"))
    second = run_import(world.db, path, ImportOptions(kind="customers"))
    assert (first.created, first.updated) == (1, 2), "李雷 is the customer who already ordered"
    assert (second.created, second.updated, second.unchanged) == (0, 0, 3)
    assert _customers(world) == 2
    lilei = world.scalar(select(IDENTITIES.c.customer_id).where(IDENTITIES.c.value == "M-0001"))
    assert lilei == existing, "deduplicated into the existing customer by phone"


def test_all_or_nothing_and_dry_run_write_nothing(world: World, tmp_path: Path) -> None:
    path = _write(tmp_path / "customers.csv", GOOD_AND_BAD)
    strict = run_import(world.db, path, ImportOptions(kind="customers", all_or_nothing=True))
    assert not strict.applied and strict.bad_rows == 3 and _customers(world) == 0
    dry = run_import(world.db, path, ImportOptions(kind="customers", dry_run=True))
    assert (dry.created, dry.updated, dry.applied) == (2, 1, False)
    assert _customers(world) == 0
    clean = _write(tmp_path / "clean.csv", "\n".join(GOOD_AND_BAD.splitlines()[:3]) + "\n")
    assert run_import(world.db, clean, ImportOptions(kind="customers", all_or_nothing=True)).applied
    assert _customers(world) == 2


def test_gb18030_csv_and_excel_with_a_column_mapping(world: World, tmp_path: Path) -> None:
    gbk = _write(tmp_path / "gbk.csv", "客户,电话\n赵六,13600002222\n", encoding="gb18030")
    report = run_import(world.db, gbk, ImportOptions(kind="customers", mapping={"name": "客户", "phone": "电话"}))
    assert (report.created, report.bad_rows) == (1, 0)
    assert world.scalar(select(CUSTOMERS.c.display_name)) == "赵六"

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["会员", "Mobile", "生日"])
    sheet.append(["M-9", 13500003333, datetime(1985, 12, 24)])  # Excel keeps numbers and dates typed
    sheet.append(["M-10", "not a phone", None])
    book.save(tmp_path / "members.xlsx")
    report = run_import(
        world.db, tmp_path / "members.xlsx", ImportOptions(kind="customers", mapping={"member_id": "会员"})
    )
    assert (report.created, [(e.row, e.field) for e in report.errors]) == (1, [(3, "phone")])
    assert world.scalar(select(IDENTITIES.c.customer_id).where(IDENTITIES.c.value == "+8613500003333")) is not None


def test_the_cdnow_purchase_history_imports_once(world: World) -> None:
    if not CDNOW.exists():
        missing(f"the CDNOW sample is not at {CDNOW} (set BRIGADE_SHARED_DATA to ../shared/data)")
    store = world.store(timezone="America/New_York")
    options = ImportOptions(
        kind="orders",
        source="cdnow",
        store_id=store,
        header=False,
        delimiter="ws",
        mapping={"customer_external_id": "1", "placed_at": "3", "total": "5"},
    )
    report = run_import(world.db, CDNOW, options)
    lines = [line.split() for line in CDNOW.read_text().splitlines() if line.strip()]
    assert (report.rows, report.created, report.bad_rows) == (len(lines), 6919, 0)
    again = run_import(world.db, CDNOW, options)
    assert (again.created, again.unchanged) == (0, 6919)
    assert world.count(ORDERS) == 6919
    assert _customers(world) == len({line[0] for line in lines}) == 2357
    total = world.scalar(select(func.sum(ORDERS.c.total_fen)))
    assert total == sum(round(float(line[4]) * 100) for line in lines)


def test_the_command_line_lists_bad_rows_and_exits_1(tmp_path: Path, fresh_url: str) -> None:
    path = _write(tmp_path / "customers.csv", GOOD_AND_BAD)
    errors = tmp_path / "errors.csv"
    env = {**os.environ, "BRIGADE_DATABASE_URL": fresh_url, "BRIGADE_VAR_DIR": str(tmp_path / "var")}
    done = subprocess.run(
        [sys.executable, "-m", "hub", "import", "customers", str(path), "--errors-csv", str(errors), "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert "bad rows (3)" in done.stderr and "not a phone number" in done.stderr
    lines = errors.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "row,field,problem" and len(lines) == 1 + 5
    missing = subprocess.run(
        [sys.executable, "-m", "hub", "import", "customers", str(tmp_path / "nope.csv")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 2 and "no such file" in missing.stderr
