"""Our day-by-day evaluation of a custom RRULE gives exactly dateutil's dates (on rules that deliver)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from dateutil.rrule import rrulestr
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from hub.subscriptions.custom_rule import rule_dates

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@st.composite
def rules(draw: st.DrawFn) -> str:
    freq = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]))
    parts = [f"FREQ={freq}", f"INTERVAL={draw(st.integers(1, 4))}"]
    if draw(st.booleans()):
        chosen = draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=3, unique=True))
        if freq in ("MONTHLY", "YEARLY") and draw(st.booleans()):
            chosen = [f"{draw(st.sampled_from([-2, -1, 1, 2, 3]))}{d}" for d in chosen]
        parts.append("BYDAY=" + ",".join(chosen))
    if draw(st.booleans()):
        days = draw(st.lists(st.sampled_from([1, 2, 10, 15, 28, 29, 30, 31, -1, -2]), min_size=1, max_size=3))
        parts.append("BYMONTHDAY=" + ",".join(map(str, sorted(set(days)))))
    if draw(st.booleans()):
        months = draw(st.lists(st.integers(1, 12), min_size=1, max_size=4, unique=True))
        parts.append("BYMONTH=" + ",".join(map(str, sorted(months))))
    if draw(st.booleans()):
        parts.append(f"WKST={draw(st.sampled_from(DAYS))}")
    ending = draw(st.sampled_from(["none", "count", "until"]))
    if ending == "count":
        parts.append(f"COUNT={draw(st.integers(1, 30))}")
    elif ending == "until":
        parts.append(f"UNTIL={draw(st.dates(date(2026, 1, 1), date(2027, 12, 31))):%Y%m%d}")
    return ";".join(parts)


@settings(max_examples=150, deadline=None)
@given(rule=rules(), anchor=st.dates(date(2024, 1, 1), date(2027, 12, 31)))
def test_day_by_day_evaluation_equals_dateutils_iterator(rule: str, anchor: date) -> None:
    last = anchor + timedelta(days=500)
    ours = rule_dates(rule, anchor, anchor, last)
    # dateutil's iterator searches up to the year 9999 on a rule without dates: compare where it ends.
    assume(ours)
    start = datetime.combine(anchor, time(0))
    parsed = rrulestr(rule, dtstart=start)
    theirs = [d.date() for d in parsed.between(start, datetime.combine(last, time(0)), inc=True)]
    assert ours == theirs, rule
