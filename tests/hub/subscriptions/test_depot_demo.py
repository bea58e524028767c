"""The demo's depot: tomorrow generated at the cut-off, a rider delivers, balances go down, a statement PDF."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import httpx
from pypdf import PdfReader

from firmware_sim.depot_demo import run_depot
from hub.app import create_app
from tests.hub.conftest import rest_settings
from tests.hub.seed import ADMIN_PASSWORD, make_admin

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai


async def test_the_demo_depot_delivers_tomorrow_and_writes_a_statement(sqlite_url: str, tmp_path: Path) -> None:
    app = create_app(rest_settings(sqlite_url, tmp_path))
    app.state.ctx.clock = lambda: NOW
    admin = make_admin(sqlite_url)
    lines: list[str] = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client:
        token = (await client.post("/auth/token", data={"username": admin, "password": ADMIN_PASSWORD})).json()
        client.headers["Authorization"] = f"Bearer {token['access_token']}"
        statement = await run_depot(client, tmp_path, lines.append, now=NOW)
    assert statement is not None, lines
    assert statement.name == "statement-sh-002-2026-03.pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(statement.read_bytes())).pages)
    assert "鲜牛奶" in text
    assert any("3 deliveries for 2026-03-03" in line for line in lines), lines
    assert "  route-1 (3 stops): rider milk-1, pushed to riders/milk-1/round on the bike" in lines, lines
    delivered = [line for line in lines if "delivered stop" in line]
    assert {line.split(" to ")[1].split(" ")[0] for line in delivered} == {"张阿姨", "李先生", "王女士"}
    assert len(delivered) == 3 and all("balance 50.00 -> 38.00 yuan" in line for line in delivered), delivered
