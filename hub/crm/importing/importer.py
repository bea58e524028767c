"""Importing customers and historical orders from a file, with a per-row report.

- Good rows are imported and bad rows listed (row, field, reason); ``all_or_nothing`` imports
  nothing when any row is bad.
- ``dry_run`` does everything in a transaction that is rolled back: the report says what
  would be created, updated or left unchanged.
- Importing the same file twice creates nothing the second time: customers are matched by
  phone, member id or the source's customer id; orders by the source and order id (or, with
  no order id column, by what the row says once parsed: customer, store, time and amounts, and
  how many rows saying the same came before it; so a re-export that writes dates, amounts or
  phones differently is still the same history).
- Each batch refreshes and scores the customers it touched, in its own transaction; customers
  get a home store (``--store``, a store column, or the store of their orders).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError
from sqlmodel import Session

from hub.audit.service import record_audit
from hub.crm.importing.apply import Outcome, apply_customer, apply_order, apply_orders
from hub.crm.importing.bulk_customers import apply_customers
from hub.crm.importing.bulk_resolve import BulkConflict
from hub.crm.importing.import_scoring import ImportScoring
from hub.crm.importing.mapping import (
    CUSTOMER_FIELDS,
    ORDER_FIELDS,
    CustomerRecord,
    OrderRecord,
    RowError,
    customer_record,
    order_record,
    resolve_columns,
)
from hub.crm.importing.readers import open_table
from hub.crm.recompute import rerank_everyone
from hub.db import Database
from hub.db_types import utcnow
from hub.errors import DomainError, InvalidInput
from hub.kernel.sql_dialect import open_write_transaction
from hub.stores.api import Store

logger = logging.getLogger(__name__)
stores = Store.__table__  # type: ignore[attr-defined]
Kind = Literal["customers", "orders"]
Progress = Callable[[int, int | None], None]


@dataclass
class ImportOptions:
    kind: Kind
    source: str = "import"
    """Names this system's customer and order ids (e.g. cdnow, youzan)."""
    mapping: dict[str, str] = field(default_factory=dict)
    dry_run: bool = False
    all_or_nothing: bool = False
    store_id: str | None = None
    """Orders: the store when the file has no store column. Customers: their home store (and so their
    time zone) when the file has no store column. Either way, a customer without a home store gets it."""
    timezone: str | None = None
    """How to read times written without a zone (default: the store's)."""
    region: str = "CN"
    overwrite: bool = False
    """Customers: replace profile fields that already have a value."""
    sheet: str | None = None
    delimiter: str | None = None
    encoding: str | None = None
    header: bool = True
    batch_size: int = 1000
    actor: str = "cli"
    default_timezone: str = "Asia/Shanghai"
    now: datetime | None = None
    """The clock (default: the wall clock): stamps the rows and scores the customers touched."""


@dataclass
class ImportReport:
    kind: Kind
    dry_run: bool
    all_or_nothing: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    applied: bool = False
    """False for a dry run, or when all-or-nothing found a bad row."""
    seconds: float = 0.0
    customers_refreshed: int = 0
    """Customers whose figures, scores, segment and tier were brought up to date in the import's transactions."""
    reranked: int = 0
    """Customers rescored right after, when the import grew the ranked population by a tenth or more."""

    @property
    def bad_rows(self) -> int:
        return len({e.row for e in self.errors})

    def count(self, outcome: Outcome) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


def _check(options: ImportOptions) -> None:
    if not re.fullmatch(r"[a-z0-9_-]{1,32}", options.source):
        raise InvalidInput("--source: 1-32 lower-case letters, digits, - or _")
    if options.batch_size < 1:
        raise InvalidInput("batch size must be at least 1")


def _store_zones(session: Session) -> dict[str, str]:
    return {r.id: r.timezone for r in session.execute(select(stores.c.id, stores.c.timezone))}


def run_import(db: Database, path: Path, options: ImportOptions, progress: Progress | None = None) -> ImportReport:
    _check(options)
    started = time.perf_counter()
    table = open_table(
        path, sheet=options.sheet, delimiter=options.delimiter, encoding=options.encoding, header=options.header
    )
    known = CUSTOMER_FIELDS if options.kind == "customers" else ORDER_FIELDS
    columns = resolve_columns(table.headers, options.mapping, known)
    report = ImportReport(options.kind, options.dry_run, options.all_or_nothing)
    single = options.dry_run or options.all_or_nothing
    with db.session() as zones_session:
        zones = _store_zones(zones_session)
    if options.store_id is not None and options.store_id not in zones:
        raise InvalidInput(f"--store: no store {options.store_id!r}")
    if options.kind == "orders" and options.store_id is None and "store_id" not in columns:
        raise InvalidInput("orders need a store: give --store or map a store_id column")
    seen: dict[str, int] = {}
    scoring = ImportScoring()
    session = db.sessions()
    try:
        open_write_transaction(session)
        batch: list[CustomerRecord | OrderRecord] = []
        for number, cells in table.rows:
            report.rows += 1
            parsed = _parse(number, cells, columns, options, zones, seen)
            if isinstance(parsed, list):
                report.errors.extend(parsed)
            else:
                batch.append(parsed)
            if len(batch) >= options.batch_size:
                _flush(session, batch, options, report, scoring)
                batch = []
                if not single:
                    session.commit()
                    open_write_transaction(session)
            if progress is not None:
                progress(report.rows, table.total)
        _flush(session, batch, options, report, scoring)
        if options.dry_run or (options.all_or_nothing and report.errors):
            session.rollback()
        else:
            _audit(session, options, report, path)
            session.commit()
            report.applied = True
            if scoring.grew(report.customers_refreshed):
                report.reranked = rerank_everyone(
                    session, now=options.now or utcnow(), default_tz=options.default_timezone
                )
                session.commit()
    finally:
        session.close()
    report.seconds = time.perf_counter() - started
    logger.info(
        "import %s from %s: %d rows, %d created, %d updated, %d unchanged, %d bad rows (applied: %s)",
        options.kind,
        path.name,
        report.rows,
        report.created,
        report.updated,
        report.unchanged,
        report.bad_rows,
        report.applied,
    )
    return report


def _parse(
    number: int,
    cells: list[Any],
    columns: dict[str, int],
    options: ImportOptions,
    zones: dict[str, str],
    seen: dict[str, int],
) -> CustomerRecord | OrderRecord | list[RowError]:
    store = options.store_id
    index = columns.get("store_id")
    if index is not None and index < len(cells) and cells[index] not in (None, ""):
        store = str(cells[index]).strip()
    if store is not None and store not in zones:
        return [RowError(number, "store_id", f"no store {store!r}")]
    if options.kind == "customers":
        return customer_record(number, cells, columns, source=options.source, region=options.region, store_id=store)
    if store is None:
        return [RowError(number, "store_id", "no store on this row and no --store")]
    tz = options.timezone or zones.get(store) or options.default_timezone
    return order_record(
        number, cells, columns, source=options.source, region=options.region, tz=tz, seen=seen, store_id=store
    )


def _flush(
    session: Session,
    batch: list[CustomerRecord | OrderRecord],
    options: ImportOptions,
    report: ImportReport,
    scoring: ImportScoring,
) -> None:
    """The batch in one savepoint (in bulk); if anything in it is refused, row by row to find which.

    Then, in the same transaction, the customers it touched are refreshed and scored.
    """
    if not batch or (options.all_or_nothing and report.errors):
        return
    now = options.now or utcnow()
    touched: set[str] = set()
    savepoint = session.begin_nested()
    try:
        if options.kind == "orders":
            outcomes = apply_orders(
                session,
                [r for r in batch if isinstance(r, OrderRecord)],
                at=now,
                source=options.source,
                default_store=options.store_id,
                actor=options.actor,
                touched=touched,
            )
        else:
            outcomes = apply_customers(
                session,
                [r for r in batch if isinstance(r, CustomerRecord)],
                at=now,
                overwrite=options.overwrite,
                touched=touched,
            )
        savepoint.commit()
    except (DomainError, IntegrityError, DataError, BulkConflict):
        savepoint.rollback()
        touched = set()
        for record in batch:
            _apply_one(session, record, options, report, now, touched)
    else:
        for outcome in outcomes:
            report.count(outcome)
    if touched and not options.dry_run:
        scoring.refresh(session, touched, now=now, default_tz=options.default_timezone)
        report.customers_refreshed = len(scoring.customers)


def _apply_one(
    session: Session,
    record: CustomerRecord | OrderRecord,
    options: ImportOptions,
    report: ImportReport,
    now: datetime,
    touched: set[str],
) -> None:
    mine: set[str] = set()
    savepoint = session.begin_nested()
    try:
        if isinstance(record, CustomerRecord):
            outcome = apply_customer(session, record, at=now, overwrite=options.overwrite, touched=mine)
        else:
            store = record.store_id or options.store_id
            assert store is not None
            outcome = apply_order(
                session, record, at=now, source=options.source, store_id=store, actor=options.actor, touched=mine
            )
        savepoint.commit()
    except (DomainError, IntegrityError, DataError) as exc:
        savepoint.rollback()
        reason = exc.detail if isinstance(exc, DomainError) else "the database refused this row (conflicting data)"
        report.errors.append(RowError(record.row, "row", reason))
        return
    touched.update(mine)
    report.count(outcome)


def _audit(session: Session, options: ImportOptions, report: ImportReport, path: Path) -> None:
    record_audit(
        session,
        actor=options.actor,
        action=f"{options.kind}.import",
        target_type="import",
        target_id=path.name[:120],
        detail={
            "source": options.source,
            "rows": report.rows,
            "created": report.created,
            "updated": report.updated,
            "bad_rows": report.bad_rows,
        },
    )
