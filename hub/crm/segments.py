"""RFM segments, lifecycle states and tiers: the documented rules. Pure.

RFM scores are quantile bins over every customer with at least one order: recency by the last
order (later is better), frequency and monetary by orders and spend in the rolling window.
A score ``s`` of ``k`` bins means the value is above the ``(s-1)/k`` quantile of all customers.
Ties share a bin, so a score may be empty (most customers order once: F=1 holds many).

The segment map works on quintiles (R, FM) with FM = round((F + M) / 2), a 5 x 5 grid in which
every cell has exactly one segment (so segments never overlap and every customer with an order
has one). Customers without an order are ``prospect``.

    R \\ FM   1                2                  3                 4           5
    5        new              potential_loyalist potential_loyalist champions   champions
    4        promising        potential_loyalist potential_loyalist loyal       loyal
    3        about_to_sleep   about_to_sleep     need_attention    loyal       loyal
    2        hibernating      hibernating        at_risk           at_risk     cannot_lose_them
    1        lost             lost               at_risk           at_risk     cannot_lose_them
"""

from __future__ import annotations

from enum import StrEnum


class Segment(StrEnum):
    CHAMPIONS = "champions"
    LOYAL = "loyal"
    POTENTIAL_LOYALIST = "potential_loyalist"
    NEW = "new"
    PROMISING = "promising"
    NEED_ATTENTION = "need_attention"
    ABOUT_TO_SLEEP = "about_to_sleep"
    AT_RISK = "at_risk"
    CANNOT_LOSE_THEM = "cannot_lose_them"
    HIBERNATING = "hibernating"
    LOST = "lost"
    PROSPECT = "prospect"
    """No order yet: outside the RFM map."""


SEGMENT_NAMES_ZH = {
    Segment.CHAMPIONS: "重要价值客户",
    Segment.LOYAL: "忠诚客户",
    Segment.POTENTIAL_LOYALIST: "潜力客户",
    Segment.NEW: "新客户",
    Segment.PROMISING: "有希望的客户",
    Segment.NEED_ATTENTION: "需要关注",
    Segment.ABOUT_TO_SLEEP: "即将沉睡",
    Segment.AT_RISK: "流失风险",
    Segment.CANNOT_LOSE_THEM: "不能失去的客户",
    Segment.HIBERNATING: "沉睡客户",
    Segment.LOST: "已流失",
    Segment.PROSPECT: "未下单",
}

S = Segment
SEGMENT_GRID: dict[int, tuple[Segment, Segment, Segment, Segment, Segment]] = {
    5: (S.NEW, S.POTENTIAL_LOYALIST, S.POTENTIAL_LOYALIST, S.CHAMPIONS, S.CHAMPIONS),
    4: (S.PROMISING, S.POTENTIAL_LOYALIST, S.POTENTIAL_LOYALIST, S.LOYAL, S.LOYAL),
    3: (S.ABOUT_TO_SLEEP, S.ABOUT_TO_SLEEP, S.NEED_ATTENTION, S.LOYAL, S.LOYAL),
    2: (S.HIBERNATING, S.HIBERNATING, S.AT_RISK, S.AT_RISK, S.CANNOT_LOSE_THEM),
    1: (S.LOST, S.LOST, S.AT_RISK, S.AT_RISK, S.CANNOT_LOSE_THEM),
}
"""SEGMENT_GRID[r][fm - 1] for quintile scores r, fm in 1..5."""


def fm_score(f: int, m: int) -> int:
    return (f + m + 1) // 2


def segment_for(r: int | None, f: int | None, m: int | None) -> Segment:
    if r is None or f is None or m is None:
        return Segment.PROSPECT
    return SEGMENT_GRID[r][fm_score(f, m) - 1]


def quantile_score(value: float, boundaries: list[float]) -> int:
    """1 + the number of bin boundaries strictly below the value (the SQL does the same)."""
    return 1 + sum(1 for b in boundaries if value > b)


class Lifecycle(StrEnum):
    PROSPECT = "prospect"
    """No order yet."""
    NEW = "new"
    """One order, placed within ``new_days`` business days."""
    ACTIVE = "active"
    DORMANT = "dormant"
    """No order for ``dormant_days`` business days (in the store's time zone)."""
    CHURNED = "churned"
    """No order for ``churned_days`` business days."""


MEMBER_TIER = "member"
"""Below the first tier's threshold."""
