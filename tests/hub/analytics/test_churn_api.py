"""Churn scores on demand: fitted on the purchase days the database holds, stored, listed, targeted by rules."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session

from hub.analytics.churn_model import fit_bgnbd, summarise
from hub.app import create_app
from hub.auth.service import create_user
from hub.crm.api import customer_tags_table
from hub.db import Database
from hub.kernel.roles import Role
from tests.databases import postgres_database, sqlite_database
from tests.hub.analytics import pandas_reference as ref
from tests.hub.analytics.generated_data import NOW, generate, load
from tests.hub.conftest import rest_settings
from tests.hub.seed import ADMIN_PASSWORD, login

AS_OF = date(2026, 4, 19)


def _user(url: str, role: Role, stores: list[str] | None = None) -> str:
    name = f"{role.value}-{uuid.uuid4().hex[:6]}"
    db = Database.from_url(url)
    with Session(db.engine) as session:
        create_user(session, username=name, password=ADMIN_PASSWORD, role=role, store_ids=stores, actor="test")
        session.commit()
    db.dispose()
    return name


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def hub(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, dict[str, dict[str, str]], str]]:
    tmp = tmp_path_factory.mktemp("churn-api")

    def run(url: str) -> Iterator[tuple[TestClient, dict[str, dict[str, str]], str]]:
        db = Database.from_url(url)
        load(db.engine, generate(n_customers=500, n_orders=2500))
        db.dispose()
        names = {"marketer": _user(url, Role.MARKETER), "manager": _user(url, Role.STORE_MANAGER, ["la"])}
        with TestClient(create_app(rest_settings(url, Path(tmp)))) as client:
            headers = {k: login(client, v) for k, v in names.items()}
            client.app.state.ctx.clock = lambda: NOW  # type: ignore[attr-defined]
            yield client, headers, url

    if request.param == "sqlite":
        yield from run(sqlite_database(tmp))
    else:
        with postgres_database() as url:
            yield from run(url)


def _reference_purchase_days() -> dict[str, list[tuple[date, int]]]:
    orders = ref.orders_with_days(generate(n_customers=500, n_orders=2500)).dropna(subset=["customer_id"])
    per_day = orders.groupby(["customer_id", "day"])["total_fen"].sum()
    out: dict[str, list[tuple[date, int]]] = {}
    for (customer, day), amount in per_day.items():
        out.setdefault(str(customer), []).append((day, int(amount)))
    return out


def test_fit_scores_every_buyer_and_lists_those_at_risk(hub) -> None:  # type: ignore[no-untyped-def]
    client, headers, url = hub
    assert client.get("/analytics/churn/fit", headers=headers["marketer"]).status_code in (200, 404)
    refused = client.post("/analytics/churn/fit", json={"at_risk_below": 0.8}, headers=headers["manager"])
    assert refused.status_code == 403
    bad = client.post("/analytics/churn/fit", json={"at_risk_below": 2}, headers=headers["marketer"])
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"

    response = client.post("/analytics/churn/fit", json={"at_risk_below": 0.8}, headers=headers["marketer"])
    assert response.status_code == 201, response.text
    fit = response.json()
    assert fit["as_of"] == "2026-04-19"  # yesterday by the pinned clock
    summary = summarise(_reference_purchase_days(), calibration_end=AS_OF)
    model = fit_bgnbd(summary)
    assert fit["customers"] == len(summary.customer_ids)
    for name in ("r", "alpha", "a", "b"):
        assert fit[name] == pytest.approx(getattr(model, name), rel=1e-4)
    assert fit["gg_p"] is not None

    alive = dict(zip(summary.customer_ids, model.p_alive(summary.x, summary.t_x, summary.T), strict=True))
    expected_risk = {c for i, c in enumerate(summary.customer_ids) if summary.x[i] >= 1 and alive[c] < 0.8}
    assert fit["at_risk"] == len(expected_risk) > 0
    listed = client.get(
        "/analytics/churn/customers", params={"at_risk": "true", "limit": 1000}, headers=headers["marketer"]
    ).json()
    assert {s["customer_id"] for s in listed} == expected_risk
    assert [s["p_alive"] for s in listed] == sorted(s["p_alive"] for s in listed)
    for s in listed:
        assert s["p_alive"] == pytest.approx(alive[s["customer_id"]], abs=1e-9)
        assert s["purchase_days"] >= 2 and s["expected_purchases_90d"] >= s["expected_purchases_30d"] > 0
        assert s["expected_value_fen"] > 0

    one = client.get("/analytics/churn/customers", params={"customer_id": "c000"}, headers=headers["marketer"]).json()
    days = sorted({d for d, _ in _reference_purchase_days()["c000"]})
    assert one[0]["purchase_days"] == len(days) and one[0]["last_purchase_day"] == days[-1].isoformat()

    db = Database.from_url(url)
    with db.engine.connect() as conn:
        t = customer_tags_table
        tagged = set(conn.execute(select(t.c.customer_id).where(t.c.tag == fit["at_risk_tag"])).scalars())
    db.dispose()
    assert tagged == expected_risk

    mine = client.get("/analytics/churn/customers", params={"limit": 1000}, headers=headers["manager"]).json()
    homes = {c["id"]: c["home_store_id"] for c in generate(n_customers=500, n_orders=2500).rows["customers"]}
    assert mine and {homes[s["customer_id"]] for s in mine} == {"la"}


def test_a_rule_targets_the_at_risk_list_through_its_tag(hub) -> None:  # type: ignore[no-untyped-def]
    client, headers, _url = hub
    fit = client.post("/analytics/churn/fit", json={"at_risk_below": 0.8}, headers=headers["marketer"]).json()
    rule = {
        "id": f"churn-{uuid.uuid4().hex[:6]}",
        "name": "Bring back the at-risk",
        "trigger": "winback",
        "params": {"days": 1, "max_days": 3650},
        "audience": {"tags_any": [fit["at_risk_tag"]]},
        "coupon_template_id": "t10",
    }
    created = client.post("/rules", json=rule, headers=headers["marketer"])
    assert created.status_code == 201, created.text
    dry = client.post(f"/rules/{rule['id']}/run", params={"dry_run": "true"}, headers=headers["marketer"])
    assert dry.status_code == 200, dry.text
    assert dry.json()["targeted"] == fit["at_risk"]
    assert np.isfinite(fit["r"])


def test_a_page_offset_beyond_a_database_integer_is_refused_not_a_server_error(hub) -> None:  # type: ignore[no-untyped-def]
    """Found by the OpenAPI fuzzer: 2**63 overflowed SQLite's INTEGER (a 500)."""
    client, headers, _ = hub
    r = client.get("/analytics/churn/customers", params={"offset": 2**63}, headers=headers["marketer"])
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json", r.text
