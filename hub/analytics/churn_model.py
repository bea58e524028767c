"""Buy-till-you-die models: BG/NBD for repeat purchases and P(alive), Gamma-Gamma for value.

Pure (numpy + scipy). Time is measured in weeks (days / 7), as in Fader, Hardie & Lee (2005).
A customer is summarised by the purchase *days* in the calibration period (several lines or
orders on one day are one purchase): ``x`` repeat purchase days, ``t_x`` weeks from the first to
the last, ``T`` weeks from the first to the end of calibration.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize
from scipy.special import gammaln, hyp2f1

Floats = NDArray[np.float64]
DAYS_PER_WEEK = 7.0


class ModelFitError(ValueError):
    """Too little data, or the optimiser did not converge."""


@dataclass(frozen=True)
class Summary:
    """Per-customer figures the models need (arrays aligned with ``customer_ids``)."""

    customer_ids: tuple[str, ...]
    x: Floats
    t_x: Floats
    T: Floats
    monetary: Floats
    """Mean value of the repeat purchase days (0 for customers without a repeat)."""


def summarise(
    purchases: Mapping[str, Iterable[tuple[date, int]]], *, calibration_end: date, first_on_or_after: date | None = None
) -> Summary:
    """From each customer's (business day, amount) purchases to the model's x, t_x, T and value.

    Purchases after ``calibration_end`` are ignored. Amounts of one day are added up: a day is
    one purchase. Customers whose first purchase is after the end are left out.
    """
    ids: list[str] = []
    xs: list[float] = []
    txs: list[float] = []
    ts: list[float] = []
    values: list[float] = []
    for customer_id, rows in purchases.items():
        by_day: dict[date, int] = {}
        for day, amount in rows:
            if day <= calibration_end:
                by_day[day] = by_day.get(day, 0) + amount
        if not by_day:
            continue
        days = sorted(by_day)
        if first_on_or_after is not None and days[0] < first_on_or_after:
            continue
        first = days[0]
        ids.append(customer_id)
        xs.append(len(days) - 1)
        txs.append((days[-1] - first).days / DAYS_PER_WEEK)
        ts.append((calibration_end - first).days / DAYS_PER_WEEK)
        repeat = [by_day[d] for d in days[1:]]
        values.append(sum(repeat) / len(repeat) if repeat else 0.0)
    return Summary(
        customer_ids=tuple(ids),
        x=np.asarray(xs, dtype=np.float64),
        t_x=np.asarray(txs, dtype=np.float64),
        T=np.asarray(ts, dtype=np.float64),
        monetary=np.asarray(values, dtype=np.float64),
    )


@dataclass(frozen=True)
class BgNbd:
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float

    def p_alive(self, x: Floats, t_x: Floats, T: Floats) -> Floats:
        """Probability that each customer has not dropped out by T."""
        ratio = np.where(
            x > 0,
            (self.a / np.maximum(self.b + x - 1, 1e-12)) * ((self.alpha + T) / (self.alpha + t_x)) ** (self.r + x),
            0.0,
        )
        return np.asarray(1.0 / (1.0 + ratio), dtype=np.float64)

    def expected_purchases(self, t: float, x: Floats, t_x: Floats, T: Floats) -> Floats:
        """Expected purchase days in the next ``t`` weeks, given each customer's history."""
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        hyp = hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
        numerator = ((a + b + x - 1) / (a - 1)) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp)
        ratio = np.where(x > 0, (a / np.maximum(b + x - 1, 1e-12)) * ((alpha + T) / (alpha + t_x)) ** (r + x), 0.0)
        return np.asarray(numerator / (1 + ratio), dtype=np.float64)


def _bgnbd_negative_ll(log_params: Floats, x: Floats, t_x: Floats, T: Floats) -> float:
    r, alpha, a, b = np.exp(log_params)
    part1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    part2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    part3 = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore"):
        part4 = np.where(
            x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-12)) - (r + x) * np.log(alpha + t_x), -np.inf
        )
    return float(-(part1 + part2 + np.logaddexp(part3, part4)).sum())


def fit_bgnbd(summary: Summary) -> BgNbd:
    """Maximum-likelihood BG/NBD parameters (r, alpha, a, b)."""
    if len(summary.x) < 10 or not np.any(summary.x > 0):
        raise ModelFitError("BG/NBD needs at least 10 customers, some with a repeat purchase")
    args = (summary.x, summary.t_x, summary.T)
    start = np.log(np.array([1.0, 1.0, 1.0, 1.0]))
    coarse = minimize(
        _bgnbd_negative_ll, start, args=args, method="Nelder-Mead", options={"maxiter": 20_000, "xatol": 1e-9}
    )
    fine = minimize(_bgnbd_negative_ll, coarse.x, args=args, method="L-BFGS-B")
    best = fine if fine.fun <= coarse.fun else coarse
    if not np.isfinite(best.fun):
        raise ModelFitError("BG/NBD did not converge")
    r, alpha, a, b = (float(v) for v in np.exp(best.x))
    return BgNbd(r=r, alpha=alpha, a=a, b=b, log_likelihood=-float(best.fun))


@dataclass(frozen=True)
class GammaGamma:
    p: float
    q: float
    gamma: float

    def expected_value(self, x: Floats, monetary: Floats) -> Floats:
        """Expected mean value of a customer's future purchases (population mean without repeats)."""
        population = self.p * self.gamma / (self.q - 1)
        own = (self.p * (self.gamma + x * monetary)) / np.maximum(self.p * x + self.q - 1, 1e-12)
        return np.asarray(np.where(x > 0, own, population), dtype=np.float64)


def _gg_negative_ll(log_params: Floats, x: Floats, m: Floats) -> float:
    p, q, g = np.exp(log_params)
    ll = (
        gammaln(p * x + q)
        - gammaln(p * x)
        - gammaln(q)
        + q * np.log(g)
        + (p * x - 1) * np.log(m)
        + p * x * np.log(x)
        - (p * x + q) * np.log(x * m + g)
    )
    return float(-ll.sum())


def fit_gamma_gamma(summary: Summary) -> GammaGamma:
    """Gamma-Gamma spend model, fitted on customers with at least one repeat purchase day."""
    keep = (summary.x > 0) & (summary.monetary > 0)
    if keep.sum() < 10:
        raise ModelFitError("Gamma-Gamma needs at least 10 customers with a repeat purchase")
    args = (summary.x[keep], summary.monetary[keep])
    result = minimize(
        _gg_negative_ll, np.log([1.0, 1.0, 1.0]), args=args, method="Nelder-Mead", options={"maxiter": 20_000}
    )
    p, q, g = (float(v) for v in np.exp(result.x))
    if not np.isfinite(result.fun) or q <= 1:
        raise ModelFitError("Gamma-Gamma did not converge to a usable fit (q must exceed 1)")
    return GammaGamma(p=p, q=q, gamma=g)
