"""The sign-in throttle holds across hub processes: two hubs on one PostgreSQL share every count."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from hub.app import create_app
from hub.auth.settings import AuthSettings
from tests.databases import postgres_database
from tests.hub.conftest import rest_settings
from tests.hub.seed import ADMIN_PASSWORD, make_admin
from tests.hub.server import serve

pytestmark = pytest.mark.integration
T0 = datetime(2025, 6, 30, 4, 0, tzinfo=UTC)
FREE = 5
BURST = 30


@pytest.fixture
def two_hubs(tmp_path: Path) -> Iterator[tuple[list[str], str]]:
    """Two hub apps (as two worker processes would be), each on a real port, on one database; a pinned clock."""
    with postgres_database() as url, ExitStack() as stack:
        bases = []
        for i in range(2):
            auth = AuthSettings(user_free_failures=FREE, address_free_failures=1000)
            app = create_app(rest_settings(url, tmp_path / f"hub{i}", auth=auth, http_threads=16))
            app.state.ctx.clock = lambda: T0
            bases.append(stack.enter_context(serve(app)))
        yield bases, make_admin(url)


def test_a_parallel_burst_over_two_hubs_gets_only_the_free_guesses_checked(two_hubs: tuple[list[str], str]) -> None:
    bases, admin = two_hubs
    start = threading.Barrier(BURST)

    def guess(i: int) -> int:
        with httpx.Client(base_url=bases[i % 2], timeout=60) as client:
            start.wait(timeout=30)
            return client.post("/auth/token", data={"username": admin, "password": f"guess-{i}"}).status_code

    with ThreadPoolExecutor(BURST) as pool:
        statuses = Counter(pool.map(guess, range(BURST)))
    # Five free guesses, and the sixth, which starts the backoff; every other one waits it out
    # (the clock is pinned, so the wait never ends). A count kept in each process would let 12 through.
    assert statuses == {401: FREE + 1, 429: BURST - FREE - 1}, statuses

    for base in bases:  # the lock holds on both hubs, for the right password too
        r = httpx.post(f"{base}/auth/token", data={"username": admin, "password": ADMIN_PASSWORD}, timeout=60)
        assert r.status_code == 429 and r.headers["retry-after"] == "1"
