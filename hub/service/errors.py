"""The service desk's refusals, in the hub's one exception family (mapped once to problem+json)."""

from __future__ import annotations

from typing import ClassVar

from hub.errors import Conflict, InvalidInput


class InvalidTicket(InvalidInput):
    """A ticket that cannot be opened as asked (missing link, wrong channel for the actor, naive time)."""

    code: ClassVar[str] = "service.invalid_ticket"


class InvalidTicketTransition(Conflict):
    """An action the ticket's status does not allow, or one missing what it needs (a note, a decision)."""

    code: ClassVar[str] = "service.invalid_transition"


class InvalidServiceRule(InvalidInput):
    """An SLA policy, assignment rule, repeat rule or survey policy that cannot work as configured."""

    code: ClassVar[str] = "service.invalid_rule"


class InvalidSurveyAnswer(InvalidInput):
    code: ClassVar[str] = "service.invalid_survey_answer"


class SurveyClosed(Conflict):
    """Answered already, or past its deadline."""

    code: ClassVar[str] = "service.survey_closed"


class InvalidLeadTransition(Conflict):
    code: ClassVar[str] = "service.invalid_lead_transition"


class CompensationRefused(InvalidInput):
    """An amount out of bounds, or a kind that lacks what it needs (a refund needs the order)."""

    code: ClassVar[str] = "service.compensation_refused"


class AlreadyCompensated(Conflict):
    """This ticket was already compensated with this kind: a grant happens once."""

    code: ClassVar[str] = "service.already_compensated"


class AlreadyEscalated(Conflict):
    code: ClassVar[str] = "service.already_escalated"
