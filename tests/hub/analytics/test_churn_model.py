"""BG/NBD and Gamma-Gamma on the CDNOW sample, against the published parameters."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from hub.analytics.churn_model import ModelFitError, fit_bgnbd, fit_gamma_gamma, summarise
from tests.shared_data import SHARED_DATA

CDNOW = SHARED_DATA / "crm" / "CDNOW_sample.txt"
CALIBRATION_END = date(1997, 9, 30)
PUBLISHED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


def _cdnow() -> dict[str, list[tuple[date, int]]]:
    purchases: dict[str, list[tuple[date, int]]] = {}
    for line in CDNOW.read_text().splitlines():
        customer, _index, day, _quantity, amount = line.split()
        when = date(int(day[:4]), int(day[4:6]), int(day[6:]))
        purchases.setdefault(customer, []).append((when, round(float(amount) * 100)))
    return purchases


@pytest.fixture(scope="module")
def summary():  # type: ignore[no-untyped-def]
    if not CDNOW.exists():
        pytest.skip(f"no CDNOW sample at {CDNOW}")
    return summarise(_cdnow(), calibration_end=CALIBRATION_END)


def test_bgnbd_on_cdnow_matches_the_published_parameters_within_one_percent(summary) -> None:  # type: ignore[no-untyped-def]
    assert len(summary.customer_ids) == 2357
    model = fit_bgnbd(summary)
    for name, published in PUBLISHED.items():
        assert getattr(model, name) == pytest.approx(published, rel=0.01), name


def test_predictions_behave_as_a_manager_would_read_them(summary) -> None:  # type: ignore[no-untyped-def]
    model = fit_bgnbd(summary)
    alive = model.p_alive(summary.x, summary.t_x, summary.T)
    assert np.all((alive > 0) & (alive <= 1))
    assert np.all(alive[summary.x == 0] == 1.0)  # BG/NBD: no repeat yet, no evidence of dropping out
    # Same frequency, a long silence since the last purchase: less likely alive.
    recent, silent = model.p_alive(np.array([5.0, 5.0]), np.array([38.0, 10.0]), np.array([39.0, 39.0]))
    assert recent > 0.8 > 0.1 > silent
    expected = model.expected_purchases(39.0, summary.x, summary.t_x, summary.T)
    # The holdout (1997-10-01 .. 1998-06-30, 39 weeks): the model's total is close to what happened.
    holdout_days = {(c, d) for c, rows in _cdnow().items() for d, _ in rows if CALIBRATION_END < d <= date(1998, 6, 30)}
    assert expected.sum() == pytest.approx(len(holdout_days), rel=0.15)


def test_gamma_gamma_gives_each_repeat_buyer_a_plausible_value(summary) -> None:  # type: ignore[no-untyped-def]
    spend = fit_gamma_gamma(summary)
    value = spend.expected_value(summary.x, summary.monetary)
    repeat = summary.x > 0
    assert np.all(value > 0)
    # Shrinkage: each estimate lies between the customer's own mean and the population mean.
    population = spend.p * spend.gamma / (spend.q - 1)
    own = summary.monetary[repeat]
    low, high = np.minimum(own, population), np.maximum(own, population)
    assert np.all((value[repeat] >= low - 1e-6) & (value[repeat] <= high + 1e-6))


def test_one_purchase_a_day_whatever_the_number_of_lines() -> None:
    lines = [(date(2026, 1, 1), 100), (date(2026, 1, 1), 250), (date(2026, 1, 8), 300)]
    summary = summarise({"c1": lines}, calibration_end=date(2026, 1, 15))
    assert summary.x.tolist() == [1.0]
    assert summary.t_x.tolist() == [1.0]
    assert summary.T.tolist() == [2.0]
    assert summary.monetary.tolist() == [300.0]


def test_too_little_data_is_a_clear_error() -> None:
    with pytest.raises(ModelFitError, match="at least 10 customers"):
        fit_bgnbd(summarise({"c1": [(date(2026, 1, 1), 1)]}, calibration_end=date(2026, 2, 1)))
