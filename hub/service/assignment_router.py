"""Agents and assignment rules over REST (chain-wide settings: operators and admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from sqlalchemy import delete, select
from sqlmodel import col

from hub.deps import OperatorDep, SessionDep
from hub.problems import problem_responses
from hub.service.assignment import AssignmentRule, check_rules
from hub.service.assignment_schemas import AgentIn, AgentOut, AssignmentRuleOut, AssignmentRulesIn
from hub.service.tables import ServiceAgent, ServiceAssignmentRule

router = APIRouter(tags=["service desk"], responses=problem_responses(401, 403, 404, 422))
AgentId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]


@router.get("/agents", response_model=list[AgentOut])
def list_agents(session: SessionDep, _operator: OperatorDep) -> list[ServiceAgent]:
    return list(session.scalars(select(ServiceAgent).order_by(col(ServiceAgent.id))).all())


@router.put("/agents/{agent_id}", response_model=AgentOut)
def put_agent(session: SessionDep, _operator: OperatorDep, agent_id: AgentId, body: AgentIn) -> ServiceAgent:
    """An agent (a user id) who takes tickets: their queues, stores, most open tickets at once."""
    agent = session.get(ServiceAgent, agent_id) or ServiceAgent(id=agent_id)
    agent.queues = sorted(set(body.queues))
    agent.store_ids = sorted(set(body.store_ids)) if body.store_ids is not None else None
    agent.max_open, agent.active = body.max_open, body.active
    session.add(agent)
    session.commit()
    return agent


@router.get("/assignment-rules", response_model=list[AssignmentRuleOut])
def list_rules(session: SessionDep, _operator: OperatorDep) -> list[ServiceAssignmentRule]:
    query = select(ServiceAssignmentRule).order_by(col(ServiceAssignmentRule.position))
    return list(session.scalars(query).all())


@router.put("/assignment-rules", response_model=list[AssignmentRuleOut])
def put_rules(session: SessionDep, _operator: OperatorDep, body: AssignmentRulesIn) -> list[ServiceAssignmentRule]:
    """Replace the rules (ordered); new tickets are assigned by them, round-robin or least-open."""
    check_rules([AssignmentRule(name=r.name, queue=r.queue) for r in body.rules])
    session.execute(delete(ServiceAssignmentRule))
    rows = [
        ServiceAssignmentRule(
            name=r.name,
            position=i,
            queue=r.queue,
            strategy=r.strategy,
            store_ids=sorted(set(r.store_ids)) if r.store_ids is not None else None,
            kinds=sorted(set(r.kinds)) if r.kinds is not None else None,
            categories=sorted(set(r.categories)) if r.categories is not None else None,
        )
        for i, r in enumerate(body.rules)
    ]
    session.add_all(rows)
    session.commit()
    return rows
