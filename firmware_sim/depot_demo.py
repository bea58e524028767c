"""The demo's fresh-milk depot, over the hub's REST API: three subscriptions generate tomorrow's
deliveries at the depot's cut-off, a rider delivers them, the balances go down, and a statement PDF
is written to the demo's folder."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

logger = logging.getLogger(__name__)

DEPOT_ID = "sh-002"
"""The demo's 静安店 also runs a milk round (a store of its own would change what the demo lists)."""
SHANGHAI = ZoneInfo("Asia/Shanghai")
RIDER: dict[str, Any] = {"id": "milk-1", "store_id": DEPOT_ID, "name": "小刘"}
"""The depot's milk-round rider: the cut-off gives the day's route to the store's riders by id."""
PLAN: dict[str, Any] = {
    "id": "demo-milk-daily",
    "name": "每日鲜奶月卡",
    "kind": "monthly",
    "price_fen": 36000,
    "items": [
        {"sku": "MILK-250", "name": "鲜牛奶 250 ml", "quantity": 2, "unit_price_fen": 350},
        {"sku": "YOG-100", "name": "酸奶", "quantity": 1, "unit_price_fen": 500},
    ],
    "frequency": {"kind": "daily"},
    "window_start": "06:00",
    "window_end": "08:00",
    "holiday_handling": "shift",
}
CUSTOMERS = [
    ("13900000101", "张阿姨", 31.2330, 121.4760, "放门口保温箱"),
    ("13900000102", "李先生", 31.2280, 121.4700, ""),
    ("13900000103", "王女士", 31.2350, 121.4800, "请勿按门铃"),
]


def _ok(response: httpx.Response, *allowed: int) -> dict[str, Any]:
    if response.status_code not in (allowed or (200, 201)):
        raise RuntimeError(
            f"{response.request.method} {response.request.url.path}: {response.status_code} {response.text}"
        )
    body: dict[str, Any] = response.json() if response.content else {}
    return body


async def run_depot(
    client: httpx.AsyncClient, var_dir: Path, say: Callable[[str], None], now: datetime | None = None
) -> Path | None:
    """Play one depot day, telling ``say`` what happens; returns the statement written (None: failed, logged)."""
    try:
        return await _day(client, var_dir, say, now or datetime.now(SHANGHAI))
    except (httpx.HTTPError, RuntimeError, KeyError, ValueError) as exc:
        logger.warning("the demo depot did not run: %s", exc)
        return None


async def _day(client: httpx.AsyncClient, var_dir: Path, say: Callable[[str], None], now: datetime) -> Path:
    tomorrow = now.astimezone(SHANGHAI).date() + timedelta(days=1)
    _ok(
        await client.post("/stores", json={"id": DEPOT_ID, "name": "静安店", "lat": 31.2304, "lon": 121.4737}),
        201,
        409,
    )
    settings = {"zone": "Asia/Shanghai", "cutoff": "23:59", "route_count": 1}
    _ok(await client.put(f"/stores/{DEPOT_ID}/subscription-settings", json=settings))
    _ok(await client.post("/subscription-plans", json=PLAN), 201, 409)
    _ok(await client.post("/riders", json=RIDER), 201, 409)
    customers = []
    names: dict[str, str] = {}
    for phone, name, lat, lon, instructions in CUSTOMERS:
        customer = _ok(await client.post("/customers", json={"phone": phone, "name": name}), 200, 201)
        customers.append(customer["id"])
        names[customer["id"]] = name
        existing = _ok(await client.get(f"/customers/{customer['id']}/subscriptions"))
        if not existing:
            body = {
                "customer_id": customer["id"],
                "store_id": DEPOT_ID,
                "plan_id": PLAN["id"],
                "start": tomorrow.isoformat(),
                "address": {"line": f"{name}家", "lat": lat, "lon": lon},
                "instructions": instructions,
            }
            _ok(await client.post("/subscriptions", json=body), 201)
        reference = f"DEMO{customer['id'].replace('-', '')[:20]}"
        payment = {"reference": reference, "amount_fen": 5000, "method": "cash", "store_id": DEPOT_ID}
        _ok(await client.post(f"/customers/{customer['id']}/balance/payments", json=payment))
    say(f"  depot {DEPOT_ID}: {len(customers)} milk subscriptions from {tomorrow}, 50 yuan prepaid each")
    # The depot's cut-off passes now: tomorrow is frozen and generated.
    _ok(await client.put(f"/stores/{DEPOT_ID}/subscription-settings", json={**settings, "cutoff": "00:00"}))
    day = _ok(await client.post(f"/stores/{DEPOT_ID}/subscription-days/run"))
    say(f"  depot cut-off: {day['deliveries']} deliveries for {day['business_date']}, pick list {day['totals']}")
    for route in day["routes"]:
        rider = route["rider_id"]
        where = f"rider {rider}, pushed to riders/{rider}/round on the bike" if rider else "no rider: unassigned"
        say(f"  {route['route_id']} ({route['stops']} stops): {where}")
    deliveries = await client.get(f"/stores/{DEPOT_ID}/subscription-days/{day['business_date']}/deliveries")
    for delivery in sorted(_list(deliveries), key=lambda d: (d["route_id"] or "", d["sequence"] or 0)):
        done = _ok(
            await client.post(f"/subscription-deliveries/{delivery['id']}/outcome", json={"outcome": "delivered"})
        )
        say(
            f"  rider on {delivery['route_id']} delivered stop {delivery['sequence']} to "
            f"{names.get(delivery['customer_id'], '?')} ({delivery['instructions'] or '-'}): "
            f"charged {done['charged_fen'] / 100:.2f} yuan, balance "
            f"{(done['balance_fen'] + done['charged_fen']) / 100:.2f} -> {done['balance_fen'] / 100:.2f} yuan"
        )
    business = date.fromisoformat(day["business_date"])
    pdf = await client.get(
        f"/customers/{customers[0]}/statements/{business.year}/{business.month}", params={"format": "pdf"}
    )
    if pdf.status_code != 200:
        raise RuntimeError(f"statement: {pdf.status_code} {pdf.text}")
    path = var_dir / f"statement-{DEPOT_ID}-{business:%Y-%m}.pdf"
    path.write_bytes(pdf.content)
    say(f"  statement of {CUSTOMERS[0][1]} for {business:%Y-%m} written to {path}")
    return path


def _list(response: httpx.Response) -> list[dict[str, Any]]:
    if response.status_code != 200:
        raise RuntimeError(f"deliveries: {response.status_code} {response.text}")
    rows: list[dict[str, Any]] = response.json()
    return rows
