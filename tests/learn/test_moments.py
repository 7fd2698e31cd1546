"""Moments and Covariance against numpy on the same data."""

from __future__ import annotations

import numpy as np
import pytest

from edgeadapt.errors import InputError
from edgeadapt.learn import Covariance, Moments
from edgeadapt.state import persist

RNG = np.random.default_rng(7)
# Column 2 has mean/std = 1e8: one-pass updates lose about 1e-16 * 1e8 relative there,
# which sets the tolerances below (numpy's two-pass reference does better).
X = RNG.normal(size=(500, 4)) * [1.0, 3.0, 0.01, 100.0] + [0.0, -5.0, 1e6, 3.0]
W = RNG.uniform(0.0, 2.0, size=500)


def test_moments_match_numpy_weighted():
    m = Moments(4)
    for x, w in zip(X, W):
        m.update(x, w)
    mean = np.average(X, axis=0, weights=W)
    var = np.average((X - mean) ** 2, axis=0, weights=W)
    np.testing.assert_allclose(m.mean, mean, rtol=1e-12)
    np.testing.assert_allclose(m.variance(), var, rtol=1e-8)
    assert m.count == pytest.approx(W.sum(), rel=1e-12)


def test_unweighted_ddof1_matches_numpy_and_large_offset_is_stable():
    m = Moments(4)
    m.update_many(X[:250])
    for x in X[250:]:
        m.update(x)
    np.testing.assert_allclose(m.variance(ddof=1), X.var(axis=0, ddof=1), rtol=1e-8)
    np.testing.assert_allclose(m.std(), X.std(axis=0), rtol=1e-8)


def test_scalar_fast_path_equals_vector_path():
    values = X[:, 3]
    fast, slow = Moments(1), Moments(1)
    for v in values:
        fast.update(float(v))
        slow.update(np.array([v]), weight=1.0 + 0.0 * v)
    np.testing.assert_allclose(fast.state_dict()["m2"], slow.state_dict()["m2"], rtol=1e-12)
    np.testing.assert_allclose(fast.mean, values.mean(), rtol=1e-12)


def test_forgetting_equals_exponentially_weighted_statistics():
    f = 0.97
    m = Moments(2, forgetting=f)
    for x in X[:, :2]:
        m.update(x)
    w = f ** np.arange(len(X) - 1, -1, -1)
    mean = np.average(X[:, :2], axis=0, weights=w)
    np.testing.assert_allclose(m.mean, mean, rtol=1e-10)
    np.testing.assert_allclose(m.variance(), np.average((X[:, :2] - mean) ** 2, axis=0, weights=w), rtol=1e-9)
    assert m.count == pytest.approx(w.sum())


def test_merge_with_empty_and_add_operator():
    a, b = Moments(4), Moments(4)
    a.update_many(X)
    before = a.state_dict()
    a += b
    np.testing.assert_array_equal(a.state_dict()["m2"], before["m2"])
    c = b + a
    np.testing.assert_allclose(c.mean, X.mean(axis=0), rtol=1e-12)
    assert b.count == 0.0


def test_merge_refuses_other_dims_and_types():
    with pytest.raises(InputError):
        Moments(2).__iadd__(Moments(3))
    with pytest.raises(InputError):
        Moments(2).__iadd__(Covariance(2))


def test_bad_hyper_parameters_raise():
    with pytest.raises(InputError):
        Moments(0)
    with pytest.raises(InputError):
        Moments(2, forgetting=1.5)
    with pytest.raises(InputError):
        Covariance(2, forgetting=0.0)


def test_variance_is_zero_before_enough_data():
    m = Moments(2)
    m.update([1.0, 2.0])
    assert m.variance(ddof=1).tolist() == [0.0, 0.0]


def test_covariance_matches_numpy_weighted():
    c = Covariance(4)
    for x, w in zip(X, W):
        c.update(x, w)
    np.testing.assert_allclose(c.covariance(), np.cov(X.T, aweights=W, bias=True), rtol=1e-7, atol=1e-12)
    cm = c.state_dict()["comoment"]
    np.testing.assert_array_equal(cm, cm.T)
    ref = np.cov(X.T, aweights=W, bias=True)
    sd = np.sqrt(np.diag(ref))
    np.testing.assert_allclose(c.correlation(), ref / np.outer(sd, sd), rtol=1e-6, atol=1e-9)


def test_pair_fast_path_equals_general_path():
    pair, general = Covariance(2), Covariance(3)
    for x in X[:, :3]:
        pair.update(np.ascontiguousarray(x[:2]))
        general.update(x)
    np.testing.assert_allclose(pair.covariance(ddof=1), general.covariance(ddof=1)[:2, :2], rtol=1e-10)
    pair.update((1.0, 2.0))
    with pytest.raises(InputError):
        pair.update(np.array([np.inf, 0.0]))


def test_persisted_moments_survive_reopen(tmp_path):
    path = tmp_path / "moments.ea"
    with persist(Moments(4), path) as m:
        m.update_many(X[:100])
        m.update(X[100])
    reopened = persist(Moments(4), path)
    np.testing.assert_allclose(reopened.mean, X[:101].mean(axis=0), rtol=1e-12)
    reopened.close()


@pytest.mark.parametrize(
    "factory, bad",
    [
        (lambda: Moments(1), np.array([1.0, np.nan, 2.0])),
        (lambda: Moments(1), np.array([1.0, np.inf])),
        (lambda: Moments(1), "abc"),
        (lambda: Moments(3), np.ones((4, 2))),
        (lambda: Covariance(2), np.array([[1.0, 2.0], [np.inf, 0.0]])),
        (lambda: Covariance(2), np.array([[1.0, 2.0], [np.nan, 0.0]])),
        (lambda: Covariance(4), X[:10].copy() * [1, 1, np.inf, 1]),
        (lambda: Covariance(2), "abc"),
    ],
)
def test_bad_batches_raise_and_change_nothing(factory, bad):
    from edgeadapt.conformance import check_bad_input

    dim = factory().dim
    check_bad_input(factory, [(X[0, :dim],)], [(bad,)], method="update_many")
