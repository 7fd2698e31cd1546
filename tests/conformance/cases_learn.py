"""Conformance cases of the learners (edgeadapt.learn) and bandit policies (edgeadapt.bandit)."""

from __future__ import annotations

import numpy as np

from edgeadapt.bandit import (
    ArmGuard,
    BernoulliThompson,
    BootstrapThompson,
    EpsilonGreedy,
    GaussianThompson,
    LinUCB,
    UCB1,
)
from edgeadapt.conformance import Case
from edgeadapt.learn import CategoricalNB, Covariance, GaussianNB, Moments, NearestClassMean, Ridge

N = 60
DIM = 3
K = 4
RNG = np.random.default_rng(1234)
X = RNG.normal(size=(N, DIM)) * [1.0, 10.0, 0.1] + [5.0, -3.0, 100.0]
Y = X @ np.array([0.5, -1.0, 2.0]) + RNG.normal(size=N) * 0.1
W = RNG.uniform(0.2, 3.0, size=N)
LABELS = RNG.integers(0, 3, size=N)
CODES = RNG.integers(0, 4, size=(N, DIM))
ARMS = RNG.integers(0, K, size=N)
REWARDS = RNG.uniform(0.0, 1.0, size=N)
CONTEXTS = RNG.normal(size=(N, DIM))
NAN_ROW = np.array([np.nan, 0.0, 0.0])
INF_ROW = np.array([0.0, np.inf, 0.0])


def rows(*cols):
    return [tuple(c[i] for c in cols) for i in range(N)]


def stack_x(u):
    return (np.stack([r[0] for r in u]),)


def stack_xw(u):
    return (np.stack([r[0] for r in u]), np.array([r[1] for r in u]))


def stack_xy(u):
    return (np.stack([r[0] for r in u]), np.array([r[1] for r in u]))


def stack_xyw(u):
    return (np.stack([r[0] for r in u]), np.array([r[1] for r in u]), np.array([r[2] for r in u]))


def stack_policy(u):
    return (np.array([r[0] for r in u]), np.array([r[1] for r in u]))


def stack_context(u):
    return (np.array([r[0] for r in u]), np.array([r[1] for r in u]), np.stack([r[2] for r in u]))


def play(p, start, stop):
    """Deterministic environment: the reward depends on the round and the arm only."""
    out = []
    for t in range(start, stop):
        a = p.select()
        p.update(a, float((a * 7 + t * 3) % 5 < a + 1))
        out.append(a)
    return out


def play_bernoulli_ts(p, start, stop):
    return play(p, start, stop)


def play_context(p, start, stop):
    out = []
    for t in range(start, stop):
        x = CONTEXTS[t % N]
        a = p.select(x)
        p.update(a, float(x[a % DIM] > 0), x)
        out.append(a)
    return out


NOW = [0.0]
SECONDS_PER_ROUND = 100.0


def guarded():
    # A real clock would make the test flaky; the rounds set the time instead.
    return ArmGuard(EpsilonGreedy(K, epsilon=0.3, seed=3), max_per_window=2, window_seconds=500.0, clock=lambda: NOW[0])


def play_guarded(p, start, stop):
    out = []
    for t in range(start, stop):
        NOW[0] = t * SECONDS_PER_ROUND
        a = p.select()
        p.update(a, float((a * 7 + t * 3) % 5 < a + 1))
        out.append(a)
    return out


BAD_VECTOR = [(NAN_ROW,), (INF_ROW,), (np.zeros(DIM + 1),), ("abc",), (np.array([1j, 0.0, 0.0]),)]
BAD_POLICY = [(K, 1.0), (-1, 1.0), (0, float("nan")), (0, "x"), (1.5, 1.0)]

RIDGE_CALLS = {"predict": [(X[0],)], "predict_many": [(X[:3],)]}
# select() with and without a restriction; retire an arm (the add_arm call comes first).
POLICY_CALLS = {"select": [(), (None, [1, 2])], "retire_arm": [(0,)]}

CASES = [
    Case("Moments", lambda: Moments(DIM), rows(X), batch=stack_x, bad_updates=BAD_VECTOR,
         queries=[lambda m: m.variance(1), lambda m: m.std(), lambda m: m.mean]),
    Case("Moments-weighted", lambda: Moments(DIM), rows(X, W), batch=stack_xw,
         bad_updates=[(X[0], -1.0), (X[0], float("inf"))]),
    Case("Moments-dim1", lambda: Moments(1), [(float(v),) for v in X[:, 1]], batch=lambda u: ([r[0] for r in u],),
         bad_updates=[(float("nan"),), (float("inf"),), (np.zeros(2),)]),
    Case("Moments-forgetting", lambda: Moments(DIM, forgetting=0.9), rows(X, W), batch=stack_xw, merge=False),
    Case("Moments-dim1-forgetting", lambda: Moments(1, forgetting=0.95), [(float(v),) for v in X[:, 2]],
         batch=lambda u: ([r[0] for r in u],), merge=False),
    Case("Covariance", lambda: Covariance(DIM), rows(X, W), batch=stack_xw, bad_updates=BAD_VECTOR,
         queries=[lambda c: c.covariance(1), lambda c: c.correlation()]),
    Case("Covariance-pair", lambda: Covariance(2), [(x[:2],) for x in X], batch=stack_x,
         bad_updates=[(np.array([np.nan, 1.0]),), (np.zeros(3),)]),
    Case("Covariance-pair-forgetting", lambda: Covariance(2, forgetting=0.9), [(x[:2], w) for x, w in zip(X, W)],
         batch=stack_xw, merge=False),
    Case("Covariance-forgetting", lambda: Covariance(DIM, forgetting=0.8), rows(X), batch=stack_x, merge=False),
    Case("Ridge", lambda: Ridge(DIM, alpha=0.5), rows(X, Y), batch=stack_xy,
         bad_updates=[(NAN_ROW, 1.0), (X[0], float("nan")), (np.zeros(2), 1.0)],
         queries=[lambda r: r.coef(), lambda r: r.predict(X[0])], calls=RIDGE_CALLS),
    Case("Ridge-intercept-weighted", lambda: Ridge(DIM, alpha=0.0, fit_intercept=True), rows(X, Y, W), batch=stack_xyw,
         calls=RIDGE_CALLS),
    Case("Ridge-forgetting", lambda: Ridge(DIM, forgetting=0.9), rows(X, Y), batch=stack_xy, merge=False, calls=RIDGE_CALLS),
    Case("NearestClassMean", lambda: NearestClassMean(DIM, 3), rows(X, LABELS), batch=stack_xy,
         bad_updates=[(X[0], 3), (X[0], -1), (X[0], 1.0), (NAN_ROW, 0)], queries=[lambda m: m.predict(X[1])],
         calls={"distances": [(X[1],)], "predict": [(X[1],)]}),
    Case("GaussianNB", lambda: GaussianNB(DIM, 3), rows(X, LABELS, W), batch=stack_xyw,
         bad_updates=[(X[0], 5), (INF_ROW, 0)], queries=[lambda m: m.predict_proba(X[2])],
         calls={"predict": [(X[2],)], "predict_proba": [(X[2],)], "predict_log_proba": [(X[2],)]}),
    Case("CategoricalNB", lambda: CategoricalNB(DIM, 4, 3), rows(CODES, LABELS), batch=stack_xy,
         bad_updates=[(np.array([0, 1, 4]), 0), (np.array([0.5, 1, 1]), 0), (CODES[0], 3)],
         queries=[lambda m: m.predict(CODES[0])],
         calls={"predict": [(CODES[0],)], "predict_proba": [(CODES[0],)], "predict_log_proba": [(CODES[0],)]}),
    Case("EpsilonGreedy", lambda: EpsilonGreedy(K, epsilon=0.2, seed=1), rows(ARMS, REWARDS), batch=stack_policy,
         merge_ignore=("rng", "rng_pos"), bad_updates=BAD_POLICY, run=play, queries=[lambda p: p.means()],
         calls=POLICY_CALLS),
    Case("UCB1", lambda: UCB1(K, seed=1), rows(ARMS, REWARDS), batch=stack_policy, merge_ignore=("rng", "rng_pos"),
         bad_updates=BAD_POLICY, run=play, calls=POLICY_CALLS),
    Case("BernoulliThompson", lambda: BernoulliThompson(K, seed=1), rows(ARMS, REWARDS), batch=stack_policy,
         merge_ignore=("rng", "rng_pos"), bad_updates=BAD_POLICY + [(0, 1.5)], run=play_bernoulli_ts, calls=POLICY_CALLS),
    Case("GaussianThompson", lambda: GaussianThompson(K, noise_std=0.5, seed=1), rows(ARMS, REWARDS),
         batch=stack_policy, merge_ignore=("rng", "rng_pos"), bad_updates=BAD_POLICY, run=play, calls=POLICY_CALLS),
    # Bootstrap coins are random: two devices draw other coins than one device would,
    # so only the counts merge as one pass; the replicate sums pool.
    Case("BootstrapThompson", lambda: BootstrapThompson(K, n_replicates=8, seed=1), rows(ARMS, REWARDS),
         batch=stack_policy, merge_ignore=("rng", "rng_pos", "rep_sums", "rep_weights"), bad_updates=BAD_POLICY, run=play,
         calls=POLICY_CALLS),
    Case("LinUCB", lambda: LinUCB(K, DIM, alpha=0.5, seed=1), rows(ARMS, REWARDS, CONTEXTS), batch=stack_context,
         merge_ignore=("rng", "rng_pos"),
         bad_updates=[(0, 1.0, NAN_ROW), (0, 1.0, np.zeros(DIM + 1)), (K, 1.0, CONTEXTS[0]), (0, float("inf"), CONTEXTS[0]),
                      (0, 1.0, np.array([1j, 0.0, 0.0])), (0, 1.0, None)],
         run=play_context, queries=[lambda p: p.scores(CONTEXTS[0]), lambda p: p.theta()],
         calls={**POLICY_CALLS, "scores": [(CONTEXTS[0],)], "select": [(CONTEXTS[0],), (CONTEXTS[1], [1, 2])]}),
    Case("ArmGuard", guarded, rows(ARMS, REWARDS), batch=stack_policy, merge=False, bad_updates=BAD_POLICY, run=play_guarded,
         calls=POLICY_CALLS),
]

