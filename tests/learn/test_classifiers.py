"""Nearest-class-mean and naive Bayes against direct computations."""

from __future__ import annotations

import numpy as np
import pytest

from edgeadapt.errors import InputError
from edgeadapt.learn import CategoricalNB, GaussianNB, NearestClassMean

RNG = np.random.default_rng(5)
CENTERS = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0]])
LABELS = RNG.integers(0, 3, size=300)
X = CENTERS[LABELS] + RNG.normal(size=(300, 2)) * [0.5, 1.0]


def test_nearest_class_mean_learns_the_class_means():
    m = NearestClassMean(2, 3)
    for x, y in zip(X, LABELS):
        m.update(x, int(y))
    for k in range(3):
        np.testing.assert_allclose(m.means()[k], X[LABELS == k].mean(axis=0), rtol=1e-12)
    accuracy = np.mean([m.predict(x) == y for x, y in zip(X, LABELS)])
    assert accuracy > 0.9


def test_nearest_class_mean_add_class_and_merge():
    a, b = NearestClassMean(2, 2), NearestClassMean(2, 2)
    a.update([0.0, 0.0], 0)
    k = a.add_class()
    a.update([9.0, 9.0], k)
    assert a.predict([8.0, 8.0]) == 2
    with pytest.raises(InputError):
        a += b
    b.add_class()
    b.update([1.0, 1.0], 1)
    a += b
    assert a.counts().tolist() == [1.0, 1.0, 1.0]


def test_gaussian_nb_matches_direct_formula():
    nb = GaussianNB(2, 3)
    nb.update_many(X[:100], LABELS[:100])
    for x, y in zip(X[100:], LABELS[100:]):
        nb.update(x, int(y))
    x = np.array([1.0, 1.5])
    scores = []
    var_all = np.array([X[LABELS == k].var(axis=0) for k in range(3)])
    eps = 1e-9 * var_all.max()
    for k in range(3):
        rows = X[LABELS == k]
        mu, var = rows.mean(axis=0), rows.var(axis=0) + eps
        ll = -0.5 * np.sum(np.log(2 * np.pi * var) + (x - mu) ** 2 / var)
        scores.append(np.log(len(rows) / len(X)) + ll)
    scores = np.array(scores)
    ref = scores - np.logaddexp.reduce(scores)
    np.testing.assert_allclose(nb.predict_log_proba(x), ref, rtol=1e-9)
    np.testing.assert_allclose(nb.variances(), var_all, rtol=1e-9)


def test_gaussian_nb_unseen_class_gets_zero_probability():
    nb = GaussianNB(1, 3)
    nb.update([0.0], 0)
    nb.update([1.0], 1)
    p = nb.predict_proba([0.2])
    assert p[2] == 0.0 and p.sum() == pytest.approx(1.0)
    with pytest.raises(InputError):
        GaussianNB(1, 2).predict([0.0])


def test_categorical_nb_matches_counts():
    codes = RNG.integers(0, 3, size=(200, 4))
    labels = (codes[:, 0] == 2).astype(int)
    nb = CategoricalNB(4, 3, 2, alpha=0.5)
    for c, y in zip(codes, labels):
        nb.update(c, int(y))
    x = np.array([2, 0, 1, 1])
    ref = []
    for k in range(2):
        rows = codes[labels == k]
        lp = np.log(len(rows) / len(codes))
        for j in range(4):
            lp += np.log((np.sum(rows[:, j] == x[j]) + 0.5) / (len(rows) + 0.5 * 3))
        ref.append(lp)
    ref = np.array(ref)
    np.testing.assert_allclose(nb.predict_log_proba(x), ref - np.logaddexp.reduce(ref), rtol=1e-10)
    assert nb.predict(x) == 1
