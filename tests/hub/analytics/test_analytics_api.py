"""The /analytics API as a manager, a marketer and an admin see it: scope, refusals, exports."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session

from hub.analytics.jobs import refresh_analytics_rollups
from hub.app import create_app
from hub.auth.service import create_user
from hub.db import Database
from hub.kernel.roles import Role
from tests.databases import postgres_database, sqlite_database
from tests.hub.analytics import pandas_reference as ref
from tests.hub.analytics import pandas_service_reference as service_ref
from tests.hub.analytics.generated_data import NOW, Generated, generate, load
from tests.hub.analytics.generated_service import add_subscriptions_and_tickets, load_subscriptions_and_tickets
from tests.hub.conftest import rest_settings
from tests.hub.seed import ADMIN_PASSWORD, login

DAYS = {"date_from": "2026-03-01", "date_to": "2026-04-19"}
PROBLEM = "application/problem+json"


def _user(url: str, role: Role, stores: list[str] | None = None) -> str:
    name = f"{role.value}-{uuid.uuid4().hex[:6]}"
    db = Database.from_url(url)
    with Session(db.engine) as session:
        create_user(session, username=name, password=ADMIN_PASSWORD, role=role, store_ids=stores, actor="test")
        session.commit()
    db.dispose()
    return name


def _service_data() -> Generated:
    data = generate()
    add_subscriptions_and_tickets(data)
    return data


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def hub(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    tmp = tmp_path_factory.mktemp("analytics-api")

    def run(url: str) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
        db = Database.from_url(url)
        load(db.engine, generate())
        load_subscriptions_and_tickets(db.engine, _service_data())
        refresh_analytics_rollups(db, NOW)  # after a bulk load, as the hub's job would
        db.dispose()
        names = {
            "admin": _user(url, Role.ADMIN),
            "manager": _user(url, Role.STORE_MANAGER, ["la"]),
            "marketer": _user(url, Role.MARKETER),
        }
        with TestClient(create_app(rest_settings(url, Path(tmp)))) as client:
            headers = {k: login(client, v) for k, v in names.items()}
            client.app.state.ctx.clock = lambda: NOW  # type: ignore[attr-defined]
            yield client, headers

    if request.param == "sqlite":
        yield from run(sqlite_database(tmp))
    else:
        with postgres_database() as url:
            yield from run(url)


def test_a_store_manager_sees_their_store_and_is_refused_another(hub) -> None:  # type: ignore[no-untyped-def]
    client, headers = hub
    mine = client.get("/analytics/sales", params=DAYS, headers=headers["manager"])
    assert mine.status_code == 200, mine.text
    body = mine.json()
    expected = ref.daily(generate(), ["la"], date(2026, 3, 1), date(2026, 4, 19))
    assert body["period"]["store_ids"] == ["la"]
    assert body["orders"] == sum(n for n, _ in expected.values())
    assert body["revenue_fen"] == sum(r for _, r in expected.values())
    chain = client.get("/analytics/sales", params=DAYS, headers=headers["admin"]).json()
    assert chain["period"]["store_ids"] is None and chain["orders"] > body["orders"]
    other = client.get("/analytics/sales", params={**DAYS, "store_id": "sh"}, headers=headers["manager"])
    assert other.status_code == 403 and other.headers["content-type"] == PROBLEM


def test_the_default_period_is_the_last_thirty_local_days_by_the_hubs_clock(hub) -> None:  # type: ignore[no-untyped-def]
    client, headers = hub
    body = client.get("/analytics/sales", headers=headers["admin"]).json()
    assert (body["period"]["date_from"], body["period"]["date_to"]) == ("2026-03-22", "2026-04-20")
    assert len(body["days"]) == 30


def test_operations_figures_are_not_for_marketers(hub) -> None:  # type: ignore[no-untyped-def]
    client, headers = hub
    assert client.get("/analytics/riders", params=DAYS, headers=headers["marketer"]).status_code == 403
    assert client.get("/analytics/customers", params=DAYS, headers=headers["marketer"]).status_code == 200
    riders = client.get("/analytics/riders", params=DAYS, headers=headers["manager"]).json()
    assert {r["store_id"] for r in riders} == {"la"}
    kitchen = client.get("/analytics/kitchen", params=DAYS, headers=headers["manager"]).json()
    assert {(s["store_id"], s["station_code"]) for s in kitchen} == {("la", "wok"), ("la", "bar")}


@pytest.mark.parametrize(
    ("params", "body"),
    [
        ({"date_from": "2026-04-02", "date_to": "2026-04-01"}, None),
        ({"date_from": "2020-01-01", "date_to": "2026-04-01"}, None),
        ({"date_from": "yesterday"}, None),
        ({"date_from": "0001-01-01", "date_to": "0001-01-02"}, None),
        ({"date_to": "0001-01-01"}, None),
        ({"date_from": "9999-12-30", "date_to": "9999-12-31"}, None),
        (DAYS, {"measures": ["profit"]}),
        (DAYS, {"dimensions": ["sku"], "measures": ["revenue_fen"]}),
        (DAYS, {"measures": ["orders"], "filters": {"day": ["2026-03-01"]}}),
        (DAYS, {"measures": ["orders"], "sort": "revenue_fen"}),
        (DAYS, {"measures": []}),
        (DAYS, {"measures": ["orders"], "limit": 10**6}),
    ],
)
def test_bad_input_is_a_422_problem(hub, params, body) -> None:  # type: ignore[no-untyped-def]
    client, headers = hub
    if body is None:
        response = client.get("/analytics/sales", params=params, headers=headers["admin"])
    else:
        response = client.post("/analytics/report", params=params, json=body, headers=headers["admin"])
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM


def test_a_custom_report_exports_the_same_figures_as_csv_and_xlsx(hub) -> None:  # type: ignore[no-untyped-def]
    client, headers = hub
    spec = {"dimensions": ["store", "day"], "measures": ["orders", "revenue_fen"], "filters": {"store": ["sh"]}}
    data = generate()
    expected = ref.daily(data, ["sh"], date(2026, 3, 1), date(2026, 4, 19))
    as_json = client.post("/analytics/report", params=DAYS, json=spec, headers=headers["admin"])
    assert as_json.status_code == 200, as_json.text
    rows = as_json.json()["rows"]
    assert {(r[1], r[2], r[3]) for r in rows} == {(d.isoformat(), n, v) for d, (n, v) in expected.items()}
    as_csv = client.post("/analytics/report", params={**DAYS, "format": "csv"}, json=spec, headers=headers["admin"])
    assert as_csv.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert table[0] == ["Store / 门店", "Day (store's local) / 日期", "Orders / 订单数", "Revenue (fen) / 营业额(分)"]
    assert [[r[0], r[1], int(r[2]), int(r[3])] for r in table[1:]] == rows
    as_xlsx = client.post("/analytics/report", params={**DAYS, "format": "xlsx"}, json=spec, headers=headers["admin"])
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet is not None
    assert [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)] == rows


def test_a_product_report_counts_lines_and_the_catalogue_lists_the_gaps(hub) -> None:  # type: ignore[no-untyped-def]
    client, headers = hub
    spec = {"dimensions": ["sku"], "measures": ["quantity", "line_revenue_fen", "orders"], "sort": "line_revenue_fen"}
    rows = client.post("/analytics/report", params=DAYS, json=spec, headers=headers["manager"]).json()["rows"]
    assert [tuple(r) for r in rows] == [
        (sku, q, rev, n) for sku, q, n, rev in ref.products(generate(), ["la"], date(2026, 3, 1), date(2026, 4, 19))
    ]
    catalogue = client.get("/analytics/catalogue", headers=headers["manager"]).json()
    assert catalogue["gaps"] == []  # renewal rate and SLA compliance have their endpoints now
    assert "sku" in catalogue["filterable"]


def test_renewal_rate_and_sla_compliance_are_scoped_like_every_figure(hub) -> None:  # type: ignore[no-untyped-def]
    client, headers = hub
    data, first, last = _service_data(), date(2026, 3, 1), date(2026, 4, 19)
    mine = client.get("/analytics/renewals", params=DAYS, headers=headers["manager"]).json()
    expected = service_ref.renewals(data, ["la"], first, last, NOW)
    assert [s["store_id"] for s in mine["stores"]] == ["la"]
    assert (mine["due"], mine["renewed"], mine["automatic"]) == expected["la"]
    assert mine["rate"] == expected["la"][1] / expected["la"][0]
    chain = client.get("/analytics/renewals", params=DAYS, headers=headers["admin"]).json()
    assert chain["due"] == sum(due for due, _, _ in service_ref.renewals(data, None, first, last, NOW).values())

    sla = client.get("/analytics/sla", params=DAYS, headers=headers["manager"]).json()
    tickets, breached, per_target = service_ref.sla(data, ["la"], first, last)["la"]
    assert (sla["tickets"], sla["breached"], sla["breaches"]) == (tickets, breached, per_target)
    assert sla["compliance"] == (tickets - breached) / tickets
    everyone = client.get("/analytics/sla", params=DAYS, headers=headers["admin"]).json()
    assert None in [s["store_id"] for s in everyone["stores"]]  # tickets of no store: the chain's only
    assert client.get("/analytics/sla", params=DAYS, headers=headers["marketer"]).status_code == 403
    other = client.get("/analytics/sla", params={**DAYS, "store_id": "sh"}, headers=headers["manager"])
    assert other.status_code == 403 and other.headers["content-type"] == PROBLEM
