"""Bandit policies: they learn, arms come and go, the allowed set holds, state persists."""

from __future__ import annotations

import numpy as np
import pytest

from edgeadapt.bandit import (
    BernoulliThompson,
    BootstrapThompson,
    EpsilonGreedy,
    GaussianThompson,
    LinUCB,
    NoArmAvailableError,
    UCB1,
)
from edgeadapt.errors import InputError
from edgeadapt.state import persist

K = 5
PROBS = np.array([0.1, 0.2, 0.3, 0.4, 0.8, 0.5])  # the last arm is added at run time
FACTORIES = {
    "EpsilonGreedy": lambda k=K: EpsilonGreedy(k, epsilon=0.1, seed=0),
    "UCB1": lambda k=K: UCB1(k, seed=0),
    "BernoulliThompson": lambda k=K: BernoulliThompson(k, seed=0),
    "GaussianThompson": lambda k=K: GaussianThompson(k, prior_mean=0.5, prior_std=1.0, noise_std=0.5, seed=0),
    "BootstrapThompson": lambda k=K: BootstrapThompson(k, seed=0),
}


def bernoulli_rounds(policy, n, seed=1, allowed=None):
    env = np.random.default_rng(seed)
    picks = []
    for _ in range(n):
        a = policy.select(allowed=allowed)
        policy.update(a, float(env.random() < PROBS[a]))
        picks.append(a)
    return np.array(picks)


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_policy_finds_the_best_arm(name):
    picks = bernoulli_rounds(FACTORIES[name](), 1500)
    assert np.mean(picks[-500:] == 4) > 0.6


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_allowed_arms_and_retire_and_add(name):
    p = FACTORIES[name]()
    picks = bernoulli_rounds(p, 200, allowed=[0, 2])
    assert set(picks.tolist()) <= {0, 2}
    p.retire_arm(4)
    picks = bernoulli_rounds(p, 200)
    assert 4 not in picks.tolist()
    new = p.add_arm()
    assert new == K and p.n_arms == K + 1
    picks = bernoulli_rounds(p, 300, allowed=np.array([False, False, False, False, True, True]))
    assert set(picks.tolist()) == {5}  # arm 4 is retired, so only the new arm is left
    with pytest.raises(NoArmAvailableError):
        p.select(allowed=[4])
    state = p.state_dict()
    q = FACTORIES[name]()
    q.load_state_dict(state)
    assert q.n_arms == K + 1 and q.active_arms().tolist() == [0, 1, 2, 3, 5]


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_all_retired_raises(name):
    p = FACTORIES[name](2)
    p.retire_arm(0)
    p.retire_arm(1)
    with pytest.raises(NoArmAvailableError):
        p.select()


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_persisted_policy_continues_with_the_same_decisions(name, tmp_path):
    path = tmp_path / "policy.ea"
    reference = FACTORIES[name]()
    bernoulli_rounds(reference, 100)
    with persist(FACTORIES[name](), path) as p:
        bernoulli_rounds(p, 100)
    reopened = persist(FACTORIES[name](), path)
    assert bernoulli_rounds(reopened, 100, seed=9).tolist() == bernoulli_rounds(reference, 100, seed=9).tolist()
    reopened.close()


def test_bernoulli_thompson_posterior_and_bad_reward():
    p = BernoulliThompson(2, prior_alpha=2.0, prior_beta=3.0)
    p.update(0, 1.0)
    p.update(0, 0.25)
    assert p.means()[0] == pytest.approx((2.0 + 1.25) / (5.0 + 2.0))
    with pytest.raises(InputError):
        p.update(1, -0.1)


def test_bootstrap_uses_double_or_nothing_weights():
    p = BootstrapThompson(1, n_replicates=16, seed=3)
    for _ in range(50):
        p.update(0, 1.0)
    w = p.state_dict()["rep_weights"][0]
    assert np.all(w % 2.0 == 0.0) and 30.0 < w.mean() < 70.0
    with pytest.raises(InputError):
        BootstrapThompson(2, n_replicates=64)


def test_gaussian_thompson_posterior():
    p = GaussianThompson(1, prior_mean=1.0, prior_std=2.0, noise_std=1.0)
    for r in [3.0, 5.0]:
        p.update(0, r)
    prec = 1 / 4 + 2
    mean, std = p.posterior()
    assert mean[0] == pytest.approx((1.0 / 4 + 8.0) / prec)
    assert std[0] == pytest.approx(prec**-0.5)


def test_linucb_inverse_and_theta_match_direct_solve():
    rng = np.random.default_rng(0)
    p = LinUCB(3, 4, alpha=0.5, ridge=2.0)
    X = rng.normal(size=(600, 4))
    arms = rng.integers(0, 3, size=600)
    r = X @ np.array([1.0, -1.0, 0.5, 0.0]) + arms
    for x, a, y in zip(X, arms, r):
        p.update(int(a), float(y), x)
    for k in range(3):
        Xa, ya = X[arms == k], r[arms == k]
        A = 2.0 * np.eye(4) + Xa.T @ Xa
        state = p.state_dict()
        np.testing.assert_allclose(state["xtx"][k], Xa.T @ Xa, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(state["xty"][k], Xa.T @ ya, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(p.inverse()[k], np.linalg.inv(A), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(p.theta()[k], np.linalg.solve(A, Xa.T @ ya), rtol=1e-9)


def _linucb_rounds(rng, n, dim, scales):
    """Contexts with per-feature scales (their squares set the conditioning of xtx)."""
    X = rng.normal(size=(n, dim)) * scales
    arms = rng.integers(0, 3, size=n)
    rewards = X @ (rng.normal(size=dim) / scales) + rng.normal(size=n) * 0.1
    return arms, rewards, X


def _max_rel(a, b):
    return max(float(np.max(np.abs(a[k] - b[k]) / np.maximum(np.abs(b[k]), 1e-300))) for k in ("xtx", "xty", "yty", "counts"))


@pytest.mark.parametrize("cond, rtol", [(1e1, 1e-12), (1e8, 1e-9)])
def test_linucb_halves_merged_equal_one_pass(cond, rtol):
    """The issue's bar: merge of two halves equals one pass, also on an ill-conditioned problem."""
    rng = np.random.default_rng(7)
    dim, n = 5, 4000
    scales = np.logspace(0, np.log10(cond) / 2, dim)  # cond(XᵀX) ≈ (max/min scale)² = cond
    arms, rewards, X = _linucb_rounds(rng, n, dim, scales)
    one, a, b = (LinUCB(3, dim, alpha=0.5, ridge=1e-6, seed=0) for _ in range(3))
    half = n // 2
    for i in range(n):
        one.update(int(arms[i]), float(rewards[i]), X[i])
        (a if i < half else b).update(int(arms[i]), float(rewards[i]), X[i])
    xtx = one.state_dict()["xtx"][0]
    assert np.linalg.cond(xtx) > cond / 10
    a += b
    assert _max_rel(a.state_dict(), one.state_dict()) <= rtol
    # The cache of the merged policy is rebuilt from the sums: a reloaded one-pass policy
    # (cache rebuilt the same way) decides the same.
    reloaded = LinUCB(3, dim, alpha=0.5, ridge=1e-6, seed=0)
    reloaded.load_state_dict(one.state_dict())
    if cond < 1e3:
        np.testing.assert_allclose(a.theta(), reloaded.theta(), rtol=1e-10, atol=1e-12)
    probes = rng.normal(size=(50, dim)) * scales
    assert [a.select(x) for x in probes] == [reloaded.select(x) for x in probes]


def test_linucb_learns_a_linear_contextual_problem():
    rng = np.random.default_rng(2)
    thetas = rng.normal(size=(4, 5))
    p = LinUCB(4, 5, alpha=0.5, seed=0)
    regret = []
    for _ in range(1500):
        x = rng.normal(size=5)
        a = p.select(x)
        means = thetas @ x
        p.update(a, float(means[a] + rng.normal() * 0.1), x)
        regret.append(means.max() - means[a])
    assert np.mean(regret[-300:]) < 0.25 * np.mean(regret[:100])


def test_linucb_requires_a_context():
    with pytest.raises(InputError):
        LinUCB(2, 3).select()
    with pytest.raises(InputError):
        LinUCB(2, 3).select([np.nan, 0.0, 0.0])


def test_bad_hyper_parameters():
    with pytest.raises(InputError):
        EpsilonGreedy(3, epsilon=1.5)
    with pytest.raises(InputError):
        UCB1(0)
    with pytest.raises(InputError):
        GaussianThompson(2, noise_std=0.0)
    with pytest.raises(InputError):
        EpsilonGreedy(3) .__iadd__(EpsilonGreedy(3, epsilon=0.5))
