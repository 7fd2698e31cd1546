"""One set of argument checks for every package: the messages users read, in one place.

Each check takes the value, the ``owner`` (the component or command named at the start of
the message; ``""`` for none) and the argument's ``name``, and returns the value in the
form the caller computes with, or raises :class:`~edgeadapt.errors.InputError` with a
sentence that names the argument and the fix. Never ``assert`` for input checks:
``python -O`` removes them.

Examples
--------
>>> from edgeadapt.core import checks
>>> checks.count(3, "UCB1", "n_arms")
3
>>> checks.real(2.0, "Gate", "threshold", 0.0, 1.0)
Traceback (most recent call last):
...
edgeadapt.errors.InputError: Gate: threshold must be a finite number in [0.0, 1.0], got 2.0
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import InputError

__all__ = [
    "FLOAT",
    "count",
    "real",
    "number",
    "weight",
    "weights",
    "vector",
    "matrix",
    "forgetting",
]

#: The dtype every learner computes in.
FLOAT = np.float64


def _prefix(owner: str) -> str:
    return f"{owner}: " if owner else ""


def count(value: Any, owner: str, name: str, minimum: int = 1) -> int:
    """Return ``value`` as an int of at least ``minimum`` (a positive integer by default).

    Booleans and floats are refused, even ``3.0``: a count is an integer.

    Examples
    --------
    >>> count(1280, "", "chunk_samples")
    1280
    >>> count(0, "Moments", "dim")
    Traceback (most recent call last):
    ...
    edgeadapt.errors.InputError: Moments: dim must be a positive integer, got 0
    >>> count(-1, "Index", "capacity", minimum=0)
    Traceback (most recent call last):
    ...
    edgeadapt.errors.InputError: Index: capacity must be an integer >= 0, got -1
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < minimum:
        what = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise InputError(f"{_prefix(owner)}{name} must be {what}, got {value!r}")
    return int(value)


def real(
    value: Any,
    owner: str,
    name: str,
    low: float = -math.inf,
    high: float = math.inf,
    open_low: bool = False,
) -> float:
    """Return ``value`` as a finite float in ``[low, high]`` (``(low, high]`` with ``open_low``).

    Examples
    --------
    >>> real(0.1, "EpsilonGreedy", "epsilon", 0.0, 1.0)
    0.1
    >>> real("soon", "DetectionGuard", "time")
    Traceback (most recent call last):
    ...
    edgeadapt.errors.InputError: DetectionGuard: time must be a finite number, got 'soon'
    >>> real(float("nan"), "Baseline", "threshold_sigmas", 0.0, open_low=True)
    Traceback (most recent call last):
    ...
    edgeadapt.errors.InputError: Baseline: threshold_sigmas must be a finite number in (0.0, inf], got nan
    """
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = math.nan
    ok = v - v == 0.0 and (v > low if open_low else v >= low) and v <= high
    if not ok:
        if low == -math.inf and high == math.inf:
            raise InputError(f"{_prefix(owner)}{name} must be a finite number, got {value!r}")
        bound = "(" if open_low else "["
        raise InputError(f"{_prefix(owner)}{name} must be a finite number in {bound}{low}, {high}], got {value!r}")
    return v


def forgetting(value: Any, owner: str) -> float | None:
    """Return a forgetting factor (``None`` or a float in (0, 1]) or raise.

    Examples
    --------
    >>> forgetting(0.99, "Moments")
    0.99
    """
    if value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = math.nan
    if not 0.0 < v <= 1.0:
        raise InputError(
            f"{_prefix(owner)}forgetting must be None or a factor in (0, 1] applied to past weights at each "
            f"update, got {value!r}"
        )
    return v


def _refuse_complex(x: Any, owner: str, name: str) -> None:
    if np.iscomplexobj(x):
        raise InputError(f"{_prefix(owner)}{name} is complex; pass real numbers")


def vector(x: Any, dim: int, owner: str, name: str = "x") -> np.ndarray:
    """Return ``x`` as a finite contiguous float64 vector of length ``dim``, or raise.

    Examples
    --------
    >>> vector([1, 2], 2, "Moments").tolist()
    [1.0, 2.0]
    >>> vector([1, 2], 3, "Moments")
    Traceback (most recent call last):
    ...
    edgeadapt.errors.InputError: Moments: x has shape (2,), expected (3,); pass one sample of the dimension the component was built with
    """
    _refuse_complex(x, owner, name)
    try:
        arr = np.ascontiguousarray(x, dtype=FLOAT)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{_prefix(owner)}{name} must be numeric, got {type(x).__name__}") from exc
    if arr.shape != (dim,):
        if arr.size == dim and arr.ndim <= 1:
            arr = arr.reshape(dim)
        else:
            raise InputError(
                f"{_prefix(owner)}{name} has shape {arr.shape}, expected ({dim},); pass one sample of the "
                "dimension the component was built with"
            )
    if not np.isfinite(arr).all():
        raise InputError(f"{_prefix(owner)}{name} holds NaN or Inf; drop or repair the sample before updating")
    return arr


def matrix(X: Any, dim: int, owner: str, name: str = "X") -> np.ndarray:
    """Return ``X`` as a finite contiguous float64 array of shape ``(n, dim)``, or raise.

    Examples
    --------
    >>> matrix([[1, 2], [3, 4]], 2, "Moments").shape
    (2, 2)
    """
    _refuse_complex(X, owner, name)
    try:
        arr = np.ascontiguousarray(X, dtype=FLOAT)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{_prefix(owner)}{name} must be numeric, got {type(X).__name__}") from exc
    if dim == 1 and arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2 or arr.shape[1] != dim:
        raise InputError(
            f"{_prefix(owner)}{name} has shape {arr.shape}, expected (n, {dim}); pass one sample per row"
        )
    if not np.isfinite(arr).all():
        raise InputError(f"{_prefix(owner)}{name} holds NaN or Inf; drop or repair those rows before updating")
    return arr


def number(value: Any, owner: str, name: str) -> float:
    """Return ``value`` (a target, a reward, a score) as a finite float, or raise.

    Examples
    --------
    >>> number(2, "Ridge", "y")
    2.0
    >>> number(float("nan"), "UCB1", "reward")
    Traceback (most recent call last):
    ...
    edgeadapt.errors.InputError: UCB1: reward is NaN or Inf; drop the sample or repair reward before updating
    """
    if type(value) is not float:
        try:
            value = float(value)
        except (TypeError, ValueError) as exc:
            raise InputError(f"{_prefix(owner)}{name} must be a number, got {value!r}") from exc
    if value - value != 0.0:
        raise InputError(f"{_prefix(owner)}{name} is NaN or Inf; drop the sample or repair {name} before updating")
    return value


def weight(value: Any, owner: str) -> float:
    """Return a sample weight as a finite non-negative float, or raise.

    Examples
    --------
    >>> weight(2, "Moments")
    2.0
    """
    try:
        w = float(value)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{_prefix(owner)}weight must be a number, got {value!r}") from exc
    if not (w >= 0.0 and w - w == 0.0):
        raise InputError(f"{_prefix(owner)}weight must be finite and non-negative, got {value!r}")
    return w


def weights(values: Any, n: int, owner: str) -> np.ndarray:
    """Return sample weights (``None`` means all ones) as a finite non-negative vector of ``n``.

    Examples
    --------
    >>> weights(None, 3, "Moments").tolist()
    [1.0, 1.0, 1.0]
    """
    if values is None:
        return np.ones(n, dtype=FLOAT)
    try:
        w = np.ascontiguousarray(values, dtype=FLOAT)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{_prefix(owner)}weights must be numeric, got {type(values).__name__}") from exc
    if w.shape != (n,):
        raise InputError(f"{_prefix(owner)}weights has shape {w.shape}, expected ({n},): one weight per row of X")
    if not (np.isfinite(w).all() and (w >= 0.0).all()):
        raise InputError(f"{_prefix(owner)}weights must be finite and non-negative")
    return w
