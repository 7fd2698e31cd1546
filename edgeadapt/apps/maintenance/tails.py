"""Tail probabilities on a log scale for the baseline's statistics (numpy and math only).

The anomaly score of a window is ``-log10`` of how improbable its statistics are under
the learned normal, so it never saturates: a window ten times less probable scores one
more. Three reference distributions are needed:

- the squared Mahalanobis distance of a new window to a Gaussian baseline estimated
  from ``n`` windows in ``p`` dimensions (Hotelling's prediction distribution):
  ``d2 * n (n - p) / (p (n + 1) (n - 1)) ~ F(p, n - p)``, whose tail is computed with
  Paulson's normal approximation of the cube root of ``F`` (within 1 % of the log
  tail down to 1e-6, then lighter than the exact tail but still increasing: scores
  keep their order; cheap enough for one window per call);
- the largest of ``k`` absolute standard normal residuals: ``1 - (1 - 2 Phi(-r))**k``;
- the upper tail of a standard normal (``log_norm_sf``), stable far out.

Examples
--------
>>> round(float(log10_norm_sf(3.0)), 3)          # Shewhart's 3-sigma limit: 1.35e-3
-2.87
>>> round(float(log10_hotelling_sf(15.5, p=8, n=10**6)), 2)   # chi2(8) at its 95 % quantile
-1.3
>>> round(float(log10_max_abs_normal_sf(3.0, k=1)), 3)       # two-sided 3 sigma
-2.569
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "log10_norm_sf",
    "log10_hotelling_sf",
    "log10_max_abs_normal_sf",
    "log10_hotelling_sf_one",
    "log10_max_abs_normal_sf_one",
    "mean_log_hotelling",
    "mean_log_max_abs_normal",
    "norm_isf",
]

LN10 = math.log(10.0)
# Beyond this z, log Phi(-z) uses its asymptotic series (math.erfc underflows near 27).
ASYMPTOTIC_Z = 25.0
# Points of the quadrature that gives E[log max |z|] (its integrand is smooth).
QUADRATURE_POINTS = 4001
QUADRATURE_MAX_Z = 12.0

_erfc = np.frompyfunc(math.erfc, 1, 1)


def _log10_norm_sf_scalar(z: float) -> float:
    if z > ASYMPTOTIC_Z:
        return (-0.5 * z * z - math.log(z * math.sqrt(2.0 * math.pi)) + math.log1p(-1.0 / (z * z))) / LN10
    return math.log(0.5 * math.erfc(z / math.sqrt(2.0))) / LN10


def log10_norm_sf(z: "np.ndarray | float") -> np.ndarray:
    """``log10 P(Z > z)`` for a standard normal ``Z``, finite for any finite ``z``."""
    z = np.asarray(z, dtype=np.float64)
    if z.size == 1:  # one window per call: plain floats are much cheaper
        return np.full(z.shape, _log10_norm_sf_scalar(float(z.reshape(-1)[0])))
    far = z > ASYMPTOTIC_Z
    zz = np.where(far, 0.0, z)
    near = np.log(0.5 * np.asarray(_erfc(zz / math.sqrt(2.0)), dtype=np.float64))
    zf = np.where(far, z, ASYMPTOTIC_Z + 1.0)
    asym = -0.5 * zf * zf - np.log(zf * math.sqrt(2.0 * math.pi)) + np.log1p(-1.0 / (zf * zf))
    return np.where(far, asym, near) / LN10


def norm_isf(p: float) -> float:
    """``z`` with ``P(Z > z) = p`` (bisection on :func:`log10_norm_sf`; for configuration, not hot paths).

    Examples
    --------
    >>> round(norm_isf(0.00135), 2)
    3.0
    """
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must be in (0, 1), got {p}")
    lo, hi, target = -40.0, 40.0, math.log10(p)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if float(log10_norm_sf(mid)) > target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _hotelling_factor(p: int, n: float) -> float:
    # d2 = factor * F(p, n - p) for a new point against n estimation points
    return p * (n + 1.0) * (n - 1.0) / (n * (n - p))


def log10_hotelling_sf(d2: "np.ndarray | float", p: int, n: float) -> np.ndarray:
    """``log10 P(D2 > d2)`` for a new Gaussian window against ``n`` estimation windows in ``p`` dims.

    ``n`` below ``p + 2`` is treated as ``p + 2`` (the prediction distribution needs it).
    """
    p = int(p)
    n = max(float(n), p + 2.0)
    f = np.maximum(np.asarray(d2, dtype=np.float64), 0.0) / _hotelling_factor(p, n)
    a, b = 2.0 / (9.0 * p), 2.0 / (9.0 * (n - p))
    c = np.cbrt(f)
    z = ((1.0 - b) * c - (1.0 - a)) / np.sqrt(b * c * c + a)
    return log10_norm_sf(z)


def log10_hotelling_sf_one(d2: float, p: int, n: float) -> float:
    """:func:`log10_hotelling_sf` of one value, on plain floats (one window per call).

    Examples
    --------
    >>> bool(abs(log10_hotelling_sf_one(15.5, 8, 1e6) - float(log10_hotelling_sf(np.array([15.5, 1.0]), 8, 1e6)[0])) < 1e-12)
    True
    """
    p = int(p)
    n = max(float(n), p + 2.0)
    f = max(float(d2), 0.0) / _hotelling_factor(p, n)
    a, b = 2.0 / (9.0 * p), 2.0 / (9.0 * (n - p))
    c = f ** (1.0 / 3.0)
    return _log10_norm_sf_scalar(((1.0 - b) * c - (1.0 - a)) / math.sqrt(b * c * c + a))


def log10_max_abs_normal_sf_one(r: float, k: int) -> float:
    """:func:`log10_max_abs_normal_sf` of one value, on plain floats (one window per call).

    Examples
    --------
    >>> bool(abs(log10_max_abs_normal_sf_one(3.0, 8) - float(log10_max_abs_normal_sf(np.array([3.0, 1.0]), 8)[0])) < 1e-12)
    True
    """
    ln_q1 = (_log10_norm_sf_scalar(max(float(r), 0.0)) + math.log10(2.0)) * LN10
    q1 = math.exp(ln_q1)
    if q1 < 1e-8:
        one = ln_q1 + math.log(int(k))
    else:
        inner = -math.expm1(int(k) * math.log1p(-min(q1, 1.0 - 1e-16)))
        one = math.log(inner) if inner > 0.0 else -math.inf
    return one / LN10


def log10_max_abs_normal_sf(r: "np.ndarray | float", k: int) -> np.ndarray:
    """``log10 P(max |Z_i| > r)`` for ``k`` independent standard normals."""
    r = np.maximum(np.asarray(r, dtype=np.float64), 0.0)
    if r.size == 1:
        return np.full(r.shape, log10_max_abs_normal_sf_one(float(r.reshape(-1)[0]), k))
    ln_q = (log10_norm_sf(r) + math.log10(2.0)) * LN10  # ln P(|Z| > r)
    q = np.exp(ln_q)
    # ln(1 - (1 - q)^k), exact for small q through log1p/expm1
    with np.errstate(divide="ignore"):
        out = np.log(-np.expm1(int(k) * np.log1p(-np.minimum(q, 1.0 - 1e-16))))
    small = q < 1e-8
    out = np.where(small, ln_q + math.log(int(k)), out)
    return out / LN10


def _digamma(x: float) -> float:
    # asymptotic series after the recurrence lifts x above 6
    acc = 0.0
    while x < 6.0:
        acc -= 1.0 / x
        x += 1.0
    inv = 1.0 / x
    inv2 = inv * inv
    return acc + math.log(x) - 0.5 * inv - inv2 * (1.0 / 12 - inv2 * (1.0 / 120 - inv2 / 252))


def mean_log_hotelling(p: int, n: float) -> float:
    """``E[ln D2]`` under :func:`log10_hotelling_sf`'s reference: ``ln(factor) + E[ln F(p, n - p)]``.

    Examples
    --------
    >>> round(mean_log_hotelling(1, 10**9), 4)    # E[ln chi2(1)] = -gamma - ln 2
    -1.2704
    """
    p = int(p)
    n = max(float(n), p + 2.0)
    m = n - p
    return math.log(_hotelling_factor(p, n)) + _digamma(p / 2.0) - _digamma(m / 2.0) + math.log(m / p)


_MAX_ABS_CACHE: dict[int, float] = {}


def mean_log_max_abs_normal(k: int) -> float:
    """``E[ln max_i |Z_i|]`` for ``k`` standard normals (numerical quadrature, cached).

    Examples
    --------
    >>> round(mean_log_max_abs_normal(1), 3)     # E[ln |Z|] = -(gamma + ln 2) / 2
    -0.635
    """
    k = int(k)
    if k not in _MAX_ABS_CACHE:
        # E[ln R] with CDF F(r) = erf(r / sqrt 2)^k: integrate by parts on a log grid
        u = np.linspace(-12.0, math.log(QUADRATURE_MAX_Z), QUADRATURE_POINTS)
        r = np.exp(u)
        cdf = np.array([math.erf(v / math.sqrt(2.0)) ** k for v in r])
        # E[ln R] = int ln r dF = u_max - int F(e^u) du  (F(e^u) -> 0 at the left end)
        integral = float(np.sum(0.5 * (cdf[1:] + cdf[:-1]) * np.diff(u)))
        _MAX_ABS_CACHE[k] = float(u[-1] - integral + u[0] * cdf[0])
    return _MAX_ABS_CACHE[k]
