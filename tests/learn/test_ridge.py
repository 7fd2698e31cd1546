"""Ridge from sufficient statistics against batch least squares."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from edgeadapt.errors import InputError
from edgeadapt.learn import Ridge

RNG = np.random.default_rng(11)
X = RNG.normal(size=(400, 6))
TRUE = RNG.normal(size=6)
Y = X @ TRUE + 0.3 + RNG.normal(size=400) * 0.05


def rel_err(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def test_equals_batch_least_squares_to_1e8():
    r = Ridge(6, alpha=0.0, fit_intercept=True)
    for x, y in zip(X, Y):
        r.update(x, y)
    Z = np.hstack([X, np.ones((len(X), 1))])
    ref, *_ = np.linalg.lstsq(Z, Y, rcond=None)
    got = np.append(r.coef(), r.intercept())
    assert rel_err(got, ref) < 1e-8
    assert rel_err(r.predict_many(X), Z @ ref) < 1e-8
    assert r.residual_sum_of_squares() == pytest.approx(float(((Z @ ref - Y) ** 2).sum()), rel=1e-6)


def test_ridge_penalty_equals_augmented_least_squares():
    alpha = 3.0
    r = Ridge(6, alpha=alpha)
    r.update_many(X, Y)
    Z = np.vstack([X, np.sqrt(alpha) * np.eye(6)])
    ref, *_ = np.linalg.lstsq(Z, np.concatenate([Y, np.zeros(6)]), rcond=None)
    assert rel_err(r.coef(), ref) < 1e-8


def test_weighted_and_merged_equals_weighted_least_squares():
    w = RNG.uniform(0.1, 4.0, size=len(X))
    a, b = Ridge(6, alpha=0.0), Ridge(6, alpha=0.0)
    a.update_many(X[:150], Y[:150], w[:150])
    for x, y, wi in zip(X[150:], Y[150:], w[150:]):
        b.update(x, y, wi)
    a += b
    sw = np.sqrt(w)
    ref, *_ = np.linalg.lstsq(X * sw[:, None], Y * sw, rcond=None)
    assert rel_err(a.coef(), ref) < 1e-8


def test_ill_conditioned_stays_finite_and_fits():
    base = RNG.normal(size=(50, 2))
    Xc = np.hstack([base, base[:, :1] * 1.0])  # exactly collinear third column
    yc = base @ np.array([1.0, -2.0])
    r = Ridge(3, alpha=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r.update_many(Xc, yc)
        coef = r.coef()
    assert np.isfinite(coef).all()
    np.testing.assert_allclose(Xc @ coef, yc, atol=1e-8)
    ref = np.linalg.pinv(Xc) @ yc  # the minimum-norm solution
    np.testing.assert_allclose(coef, ref, atol=1e-6)


def test_near_singular_and_empty_are_finite():
    r = Ridge(2, alpha=0.0)
    assert r.coef().tolist() == [0.0, 0.0]
    r.update([1.0, 1.0 + 1e-13], 1.0)
    r.update([1.0, 1.0], 1.0)
    assert np.isfinite(r.coef()).all()
    assert r.predict([1.0, 1.0]) == pytest.approx(1.0, abs=1e-6)


def test_forgetting_equals_discounted_weights():
    f = 0.95
    r = Ridge(6, alpha=0.0, forgetting=f)
    for x, y in zip(X[:100], Y[:100]):
        r.update(x, y)
    sw = np.sqrt(f ** np.arange(99, -1, -1))
    ref, *_ = np.linalg.lstsq(X[:100] * sw[:, None], Y[:100] * sw, rcond=None)
    assert rel_err(r.coef(), ref) < 1e-8


def test_bad_arguments():
    with pytest.raises(InputError):
        Ridge(2, alpha=-1.0)
    r = Ridge(2)
    with pytest.raises(InputError):
        r.update_many(X[:3, :2], Y[:2])
    with pytest.raises(InputError):
        r += Ridge(3)
