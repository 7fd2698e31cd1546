"""Boundary checks shared by the learners: one place for the messages users read."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import InputError

__all__ = ["as_vector", "as_matrix", "as_weight", "as_weights", "check_dim", "check_forgetting"]

FLOAT = np.float64


def check_dim(dim: Any, owner: str, name: str = "dim") -> int:
    """Return ``dim`` as a positive int or raise :class:`InputError`.

    Examples
    --------
    >>> check_dim(3, "Moments")
    3
    """
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < 1:
        raise InputError(f"{owner}: {name} must be a positive integer, got {dim!r}")
    return int(dim)


def check_forgetting(forgetting: Any, owner: str) -> float | None:
    """Return ``forgetting`` (``None`` or a float in (0, 1]) or raise.

    Examples
    --------
    >>> check_forgetting(0.99, "Moments")
    0.99
    """
    if forgetting is None:
        return None
    try:
        value = float(forgetting)
    except (TypeError, ValueError):
        value = math.nan
    if not 0.0 < value <= 1.0:
        raise InputError(
            f"{owner}: forgetting must be None or a factor in (0, 1] applied to past weights at each "
            f"update, got {forgetting!r}"
        )
    return value


def _refuse_complex(x: Any, owner: str, name: str) -> None:
    if np.iscomplexobj(x):
        raise InputError(f"{owner}: {name} is complex; pass real numbers")


def as_vector(x: Any, dim: int, owner: str, name: str = "x") -> np.ndarray:
    """Return ``x`` as a finite contiguous float64 vector of length ``dim``, or raise.

    Examples
    --------
    >>> as_vector([1, 2], 2, "Moments").tolist()
    [1.0, 2.0]
    >>> as_vector([1, 2], 3, "Moments")
    Traceback (most recent call last):
    ...
    edgeadapt.errors.InputError: Moments: x has shape (2,), expected (3,); pass one sample of the dimension the component was built with
    """
    _refuse_complex(x, owner, name)
    try:
        arr = np.ascontiguousarray(x, dtype=FLOAT)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{owner}: {name} must be numeric, got {type(x).__name__}") from exc
    if arr.shape != (dim,):
        if arr.size == dim and arr.ndim <= 1:
            arr = arr.reshape(dim)
        else:
            raise InputError(
                f"{owner}: {name} has shape {arr.shape}, expected ({dim},); pass one sample of the "
                "dimension the component was built with"
            )
    if not np.isfinite(arr).all():
        raise InputError(f"{owner}: {name} holds NaN or Inf; drop or repair the sample before updating")
    return arr


def as_matrix(X: Any, dim: int, owner: str, name: str = "X") -> np.ndarray:
    """Return ``X`` as a finite contiguous float64 array of shape ``(n, dim)``, or raise.

    Examples
    --------
    >>> as_matrix([[1, 2], [3, 4]], 2, "Moments").shape
    (2, 2)
    """
    _refuse_complex(X, owner, name)
    try:
        arr = np.ascontiguousarray(X, dtype=FLOAT)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{owner}: {name} must be numeric, got {type(X).__name__}") from exc
    if dim == 1 and arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2 or arr.shape[1] != dim:
        raise InputError(
            f"{owner}: {name} has shape {arr.shape}, expected (n, {dim}); pass one sample per row"
        )
    if not np.isfinite(arr).all():
        raise InputError(f"{owner}: {name} holds NaN or Inf; drop or repair those rows before updating")
    return arr


def as_number(value: Any, owner: str, name: str) -> float:
    """Return ``value`` (a target or a reward) as a finite float, or raise.

    Examples
    --------
    >>> as_number(2, "Ridge", "y")
    2.0
    >>> as_number(float("nan"), "UCB1", "reward")
    Traceback (most recent call last):
    ...
    edgeadapt.errors.InputError: UCB1: reward is NaN or Inf; drop the sample or repair reward before updating
    """
    if type(value) is not float:
        try:
            value = float(value)
        except (TypeError, ValueError) as exc:
            raise InputError(f"{owner}: {name} must be a number, got {value!r}") from exc
    if value - value != 0.0:
        raise InputError(f"{owner}: {name} is NaN or Inf; drop the sample or repair {name} before updating")
    return value


def as_weight(weight: Any, owner: str) -> float:
    """Return ``weight`` as a finite non-negative float, or raise.

    Examples
    --------
    >>> as_weight(2, "Moments")
    2.0
    """
    try:
        w = float(weight)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{owner}: weight must be a number, got {weight!r}") from exc
    if not (w >= 0.0 and w - w == 0.0):
        raise InputError(f"{owner}: weight must be finite and non-negative, got {weight!r}")
    return w


def as_weights(weights: Any, n: int, owner: str) -> np.ndarray:
    """Return ``weights`` (``None`` means all ones) as a finite non-negative vector of ``n``.

    Examples
    --------
    >>> as_weights(None, 3, "Moments").tolist()
    [1.0, 1.0, 1.0]
    """
    if weights is None:
        return np.ones(n, dtype=FLOAT)
    try:
        w = np.ascontiguousarray(weights, dtype=FLOAT)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{owner}: weights must be numeric, got {type(weights).__name__}") from exc
    if w.shape != (n,):
        raise InputError(f"{owner}: weights has shape {w.shape}, expected ({n},): one weight per row of X")
    if not (np.isfinite(w).all() and (w >= 0.0).all()):
        raise InputError(f"{owner}: weights must be finite and non-negative")
    return w


def decay_weights(weights: np.ndarray, forgetting: float | None) -> tuple[np.ndarray, float]:
    """Effective weights of a batch under forgetting, and the factor applied to the old state.

    The loop multiplies past weights by ``forgetting`` before each sample, so sample ``i``
    of ``n`` ends with weight ``w_i * forgetting**(n - 1 - i)`` and the old state with
    ``forgetting**n``.

    Examples
    --------
    >>> w, old = decay_weights(np.ones(3), 0.5)
    >>> w.tolist(), old
    ([0.25, 0.5, 1.0], 0.125)
    """
    n = weights.shape[0]
    if forgetting is None or forgetting == 1.0:
        return weights, 1.0
    powers = forgetting ** np.arange(n - 1, -1, -1, dtype=FLOAT)
    return weights * powers, float(forgetting**n)
