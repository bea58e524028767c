"""Surveys: due after a delivery or a closed ticket, answers validated once, CSAT and NPS scored."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.notifications.quiet_hours import quiet_until
from hub.service.errors import InvalidServiceRule, InvalidSurveyAnswer, SurveyClosed
from hub.service.surveys import (
    SurveyKind,
    SurveyPlan,
    SurveyPolicy,
    SurveySkipped,
    SurveyTrigger,
    csat,
    nps,
    plan_survey,
    record_answer,
)
from tests.hub.service.calendars import sh

AFTER_DELIVERY = SurveyPolicy(SurveyTrigger.DELIVERY_COMPLETED, SurveyKind.CSAT)
AFTER_CLOSE = SurveyPolicy(SurveyTrigger.TICKET_CLOSED, SurveyKind.NPS, delay=timedelta(hours=1))


def planned(policy: SurveyPolicy, subject: str, at: datetime, **kw: object) -> SurveyPlan:
    plan = plan_survey(policy, subject_id=subject, event_at=at, **kw)  # type: ignore[arg-type]
    assert isinstance(plan, SurveyPlan)
    return plan


def test_a_survey_follows_a_delivery_after_the_delay_and_the_caller_moves_it_out_of_quiet_hours() -> None:
    plan = planned(AFTER_DELIVERY, "d-1", sh(2026, 12, 2, 21, 50))
    assert plan.key == "survey:delivery_completed:d-1"
    assert plan.send_at == sh(2026, 12, 2, 22, 20)
    assert plan.expires_at == sh(2026, 12, 9, 22, 20)
    assert quiet_until(plan.send_at, "Asia/Shanghai", time(22), time(8)) == sh(2026, 12, 3, 8)
    after_close = planned(AFTER_CLOSE, "t-1", sh(2026, 12, 2, 12))
    assert (after_close.key, after_close.kind, after_close.send_at) == (
        "survey:ticket_closed:t-1",
        SurveyKind.NPS,
        sh(2026, 12, 2, 13),
    )


def test_a_customer_surveyed_recently_or_opted_out_is_not_asked() -> None:
    recent = plan_survey(AFTER_DELIVERY, subject_id="d-2", event_at=sh(2026, 12, 10), last_surveyed_at=sh(2026, 12, 1))
    assert recent == SurveySkipped("the customer was surveyed less than 14 days ago")
    assert isinstance(
        plan_survey(AFTER_DELIVERY, subject_id="d-2", event_at=sh(2026, 12, 20), last_surveyed_at=sh(2026, 12, 1)),
        SurveyPlan,
    )
    opted_out = plan_survey(AFTER_DELIVERY, subject_id="d-2", event_at=sh(2026, 12, 20), opted_out=True)
    assert isinstance(opted_out, SurveySkipped)
    with pytest.raises(InvalidServiceRule):
        SurveyPolicy(SurveyTrigger.TICKET_CLOSED, SurveyKind.CSAT, delay=timedelta(minutes=-1))


@pytest.mark.parametrize(
    ("kind", "score", "message"),
    [
        (SurveyKind.CSAT, 0, "CSAT answers are whole numbers from 1 to 5 (got 0)"),
        (SurveyKind.CSAT, 6, "from 1 to 5 (got 6)"),
        (SurveyKind.CSAT, True, "(got True)"),
        (SurveyKind.CSAT, 4.5, "(got 4.5)"),
        (SurveyKind.NPS, 11, "NPS answers are whole numbers from 0 to 10 (got 11)"),
        (SurveyKind.NPS, "9", "(got '9')"),
    ],
)
def test_answers_outside_the_scale_are_refused(kind: SurveyKind, score: object, message: str) -> None:
    plan = planned(SurveyPolicy(SurveyTrigger.TICKET_CLOSED, kind), "t-1", sh(2026, 12, 2))
    with pytest.raises(InvalidSurveyAnswer) as refused:
        record_answer(plan, score, at=sh(2026, 12, 3))
    assert message in refused.value.detail


def test_a_survey_is_answered_once_and_before_it_closes() -> None:
    plan = planned(AFTER_DELIVERY, "d-1", sh(2026, 12, 2, 12))
    answer = record_answer(plan, 4, at=sh(2026, 12, 3), comment=" 很好 ")
    assert (answer.kind, answer.score, answer.comment) == (SurveyKind.CSAT, 4, "很好")
    with pytest.raises(SurveyClosed, match="answered already"):
        record_answer(plan, 5, at=sh(2026, 12, 3), already_answered=True)
    with pytest.raises(SurveyClosed, match="closed at"):
        record_answer(plan, 5, at=plan.expires_at)


def test_scores_are_the_share_of_satisfied_and_promoters_minus_detractors() -> None:
    c = csat([5, 4, 3, 1, 5])
    assert (c.responses, c.satisfied, c.percent) == (5, 3, 60.0)
    n = nps([10, 9, 8, 7, 6, 0, 10, 3])
    assert (n.promoters, n.passives, n.detractors) == (3, 2, 3)
    assert n.score == 0.0
    assert nps([10, 9, 7, 2]).score == 25.0
    assert csat([]).percent is None and nps([]).score is None
    with pytest.raises(InvalidSurveyAnswer):
        nps([10, 12])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 10), max_size=40))
def test_nps_stays_within_minus_100_and_100_and_counts_every_answer(scores: list[int]) -> None:
    n = nps(scores)
    assert n.promoters + n.passives + n.detractors == n.responses == len(scores)
    if scores:
        assert n.score is not None and -100 <= n.score <= 100
        assert n.score == pytest.approx(100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores))
