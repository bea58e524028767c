"""RFM segments, lifecycle states and tiers: the documented rules. Pure.

R (recency) is the local days since the last order against fixed thresholds
(``CrmConfig.recency_days``, default 14 / 30 / 60 / 90): 5 under 14 days, 4 under 30, 3 under 60,
2 under 90, else 1. It does not depend on other customers, so a customer who ordered a minute ago
is R=5 and one whose last order is two years old is R=1, whatever the rest of the hub did.

F (purchase days in the rolling window: several orders or lines on one day are one visit) and M
(spend in the window) are quantile scores within the customer's scoring population (their home
store's group, ``CrmConfig.scoring_groups``; by default the whole hub), over the customers who
bought in the window. Tied values share a bin and no bin is skipped: the score is 1 + the number
of *distinct* quantile boundaries below the value. When most customers buy once, the boundaries
repeat, so F may stop short of 5; it never jumps. One purchase day (or none in the window) is
always F=1, and a customer with nothing in the window is M=1.

The segment map works on (R, FM), F and M in quintiles and FM = round((F + M) / 2): a 5 x 5 grid
in which every cell has exactly one segment (so segments never overlap and every customer with an
order has one). In cell (5, 1) a first-time buyer is ``new`` and a returning one ``promising``.
Champions need FM >= 4, which F=1 cannot reach: a one-order customer is never a champion.
Customers without an order are ``prospect``.

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


def segment_for(r: int | None, f: int | None, m: int | None, *, returning: bool = False) -> Segment:
    """``returning``: bought on more than one day (cell 5/1 is then promising, not new)."""
    if r is None or f is None or m is None:
        return Segment.PROSPECT
    found = SEGMENT_GRID[r][fm_score(f, m) - 1]
    return Segment.PROMISING if found is Segment.NEW and returning else found


def distinct_bounds(boundaries: list[int]) -> list[int]:
    """The bin boundaries that separate anything: each value once, in order."""
    return sorted(set(boundaries))


def quantile_score(value: float, boundaries: list[float]) -> int:
    """1 + the number of distinct bin boundaries strictly below the value (the SQL does the same)."""
    return 1 + sum(1 for b in set(boundaries) if value > b)


def recency_score(days_since_last: int, thresholds: list[int]) -> int:
    """5 minus the thresholds the last order is at least as old as: [14, 30, 60, 90] and 20 days give 4."""
    return 5 - sum(1 for t in thresholds if days_since_last >= t)


class Lifecycle(StrEnum):
    PROSPECT = "prospect"
    """No order yet."""
    NEW = "new"
    """One purchase day, within ``new_days`` business days."""
    ACTIVE = "active"
    DORMANT = "dormant"
    """No order for ``dormant_days`` business days (in the store's time zone)."""
    CHURNED = "churned"
    """No order for ``churned_days`` business days."""


MEMBER_TIER = "member"
"""Below the first tier's threshold."""
