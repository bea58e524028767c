"""Assignment through the API: the rules share new tickets among the store's agents; by hand too."""

from __future__ import annotations

import uuid
from pathlib import Path

from tests.hub.service.desk import desk_on, local


def test_new_tickets_go_round_robin_to_the_stores_agents(any_db_url: str, tmp_path: Path) -> None:
    with desk_on(any_db_url, tmp_path, local("2026-12-07T10:00:00")) as desk:
        tag = uuid.uuid4().hex[:6]
        agents = [f"a1-{tag}", f"a2-{tag}"]
        for agent in agents:
            r = desk.client.put(
                f"/service/agents/{agent}",
                json={"queues": ["complaints"], "store_ids": [desk.store_id]},
                headers=desk.headers,
            )
            assert r.status_code == 200, r.text
        rule = {
            "name": f"complaints-{tag}",
            "queue": "complaints",
            "strategy": "round_robin",
            "store_ids": [desk.store_id],
        }
        r = desk.client.put("/service/assignment-rules", json={"rules": [rule]}, headers=desk.headers)
        assert r.status_code == 200, r.text
        try:
            chosen = [desk.ticket()["assignee_id"] for _ in range(3)]
            assert chosen == [agents[0], agents[1], agents[0]]

            ticket = desk.ticket()
            moved = desk.post(f"/service/tickets/{ticket['id']}/assign", {"agent_id": "duty-manager"})
            assert moved["assignee_id"] == "duty-manager"
            assert [c["action"] for c in moved["changes"]] == ["create", "assign", "assign"]
        finally:
            desk.client.put("/service/assignment-rules", json={"rules": []}, headers=desk.headers)

        unassigned = desk.ticket()
        assert unassigned["assignee_id"] is None
        r = desk.client.post(f"/service/tickets/{unassigned['id']}/assign", json={}, headers=desk.headers)
        assert r.status_code == 409 and "no assignment rules" in r.json()["detail"]
