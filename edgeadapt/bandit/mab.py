"""Context-free bandit policies: epsilon-greedy, UCB1 and three Thompson samplers.

Examples
--------
>>> p = UCB1(n_arms=3)
>>> for _ in range(30):
...     arm = p.select()
...     p.update(arm, 1.0 if arm == 2 else 0.0)
>>> int(p.counts().argmax())
2
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import InputError, StateMismatchError
from ..core.protocol import mutator
from ..core import checks
from .base import FLOAT, UNIFORM_BLOCK, Policy

__all__ = ["EpsilonGreedy", "UCB1", "BernoulliThompson", "GaussianThompson", "BootstrapThompson", "MAX_REPLICATES"]

# BootstrapThompson draws one uniform float per update and uses its top bits as coins.
MAX_REPLICATES = 32
UNIFORM_BLOCK_LAST = UNIFORM_BLOCK - 1


class _Counting(Policy, abstract=True):
    """Policies whose state is a count and a reward sum per arm."""

    _counts: np.ndarray
    _sums: np.ndarray
    _FIELDS = (("counts", ()), ("sums", ()))
    _ADDITIVE = ("counts", "sums")

    def _new_arm(self) -> dict[str, np.ndarray]:
        return {"counts": np.zeros((), FLOAT), "sums": np.zeros((), FLOAT)}

    def means(self) -> np.ndarray:
        """Mean reward per arm (0 for arms never updated).

        Examples
        --------
        >>> p = EpsilonGreedy(n_arms=2); p.update(1, 0.5); p.means().tolist()
        [0.0, 0.5]
        """
        self._sync()
        with np.errstate(invalid="ignore", divide="ignore"):
            m = self._sums / self._counts
        m[self._counts <= 0.0] = 0.0
        return m


class EpsilonGreedy(_Counting):
    """Play the best mean with probability ``1 - epsilon``, a uniform arm otherwise.

    Arms never played come first (in index order), so each arm has a mean.

    Parameters
    ----------
    n_arms : int
    epsilon : float
        Exploration probability in [0, 1].
    seed : int or None
        Seed of the private PCG64 generator (its state is saved with the policy).

    Examples
    --------
    >>> p = EpsilonGreedy(n_arms=2, epsilon=0.0, seed=0)
    >>> p.select(), p.update(0, 0.2), p.select(), p.update(1, 0.9), p.select()
    (0, None, 1, None, 1)
    """

    def __init__(self, n_arms: int, epsilon: float = 0.1, seed: int | None = None) -> None:
        self.epsilon = checks.real(epsilon, "EpsilonGreedy", "epsilon", 0.0, 1.0)
        super().__init__(n_arms, seed)

    def _hyper(self) -> tuple:
        return (self.epsilon,)

    _BUFFERED = True

    def _refresh(self) -> None:
        super()._refresh()
        with np.errstate(invalid="ignore", divide="ignore"):
            m = self._sums / self._counts
        m[self._counts <= 0.0] = np.inf
        self._scores = np.where(self._active, m, -np.inf)
        # Python-float mirrors of the per-arm arrays for the per-call hot path.
        self._cl = self._counts.tolist()
        self._sl = self._sums.tolist()
        self._pl = self._penalty.tolist()
        self._sc = self._scores.tolist()
        self._rescan()

    def _rescan(self) -> None:
        # Greedy arm = lowest index among the largest scores (as argmax), kept up to
        # date by update() and recomputed only when the greedy arm's score drops.
        self._best = int(self._scores.argmax())
        self._best_score = self._sc[self._best]
        self._dirty = False

    def _sync(self) -> None:
        self._counts = np.array(self._cl, dtype=FLOAT)
        self._sums = np.array(self._sl, dtype=FLOAT)

    @mutator
    def select(self, context: Any = None, allowed: Any = None) -> int:
        """Choose an arm (see :meth:`Policy.select`).

        Examples
        --------
        >>> EpsilonGreedy(n_arms=3, seed=1).select(allowed=[2])
        2
        """
        if allowed is None:
            arms = self._active_list
            if not arms:
                raise self._no_arm()
            i = self._pos
            if i < UNIFORM_BLOCK_LAST:
                u = self._uniforms[i]
                self._pos = i + 1
            else:
                u = self._uniform()
            if u < self.epsilon:
                return arms[int(self._uniform() * len(arms))]
            if self._dirty:
                self._rescan()
            return self._best
        mask = self._mask(allowed)
        if self._uniform() < self.epsilon:
            idx = np.flatnonzero(mask)
            return int(idx[int(self._uniform() * idx.shape[0])])
        return int(np.where(mask, self._scores, -np.inf).argmax())

    @mutator
    def update(self, arm: int, reward: float, context: Any = None) -> None:
        """Record ``reward`` for ``arm``.

        Examples
        --------
        >>> p = EpsilonGreedy(n_arms=1); p.update(0, 1.0); p.update(0, 0.0); p.means().tolist()
        [0.5]
        """
        if type(arm) is not int or not 0 <= arm < self.n_arms:
            arm = self._check_arm(arm)
        if type(reward) is not float or reward - reward != 0.0:
            reward = self._check_reward(reward)
        cl, sl = self._cl, self._sl
        c = cl[arm] + 1.0
        s = sl[arm] + reward
        cl[arm] = c
        sl[arm] = s
        score = s / c + self._pl[arm]
        self._scores[arm] = score
        self._sc[arm] = score
        best = self._best
        if arm == best:
            if score < self._best_score:
                self._dirty = True
            else:
                self._best_score = score
        elif score > self._best_score or (score == self._best_score and arm < best):
            self._best, self._best_score = arm, score


class UCB1(_Counting):
    """UCB1 (Auer et al., 2002): mean plus ``alpha * sqrt(2 ln N / n_arm)``.

    Parameters
    ----------
    n_arms : int
    alpha : float
        Scale of the exploration bonus (1 is the textbook UCB1, for rewards in [0, 1]).
    seed : int or None
        Kept for a uniform interface; UCB1 is deterministic (ties go to the lowest index).

    Examples
    --------
    >>> p = UCB1(n_arms=2)
    >>> [p.select() for _ in range(1)], p.update(0, 1.0), p.select()
    ([0], None, 1)
    """

    def __init__(self, n_arms: int, alpha: float = 1.0, seed: int | None = None) -> None:
        self.alpha = checks.real(alpha, "UCB1", "alpha", 0.0)
        super().__init__(n_arms, seed)

    def _hyper(self) -> tuple:
        return (self.alpha,)

    def _refresh(self) -> None:
        super()._refresh()
        self._means = self.means()
        self._inv_root = 1.0 / np.sqrt(np.maximum(self._counts, 1.0))
        self._total = float(self._counts.sum())
        self._untried = [a for a in self._active_list if self._counts[a] <= 0.0]

    def select(self, context: Any = None, allowed: Any = None) -> int:
        """Choose an arm (see :meth:`Policy.select`).

        Examples
        --------
        >>> UCB1(n_arms=3).select(allowed=[1, 2])
        1
        """
        if allowed is None:
            if self._untried:
                return self._untried[0]
            if not self._active_list:
                raise self._no_arm()
            bonus = self.alpha * math.sqrt(2.0 * math.log(self._total))
            scores = self._means + bonus * self._inv_root
            if not self._all_active:
                scores += self._penalty
            return int(scores.argmax())
        mask = self._mask(allowed)
        for a in self._untried:
            if mask[a]:
                return a
        bonus = self.alpha * math.sqrt(2.0 * math.log(max(self._total, 1.0)))
        scores = self._means + bonus * self._inv_root
        return int(np.where(mask, scores, -np.inf).argmax())

    @mutator
    def update(self, arm: int, reward: float, context: Any = None) -> None:
        """Record ``reward`` for ``arm``.

        Examples
        --------
        >>> p = UCB1(n_arms=2); p.update(1, 1.0); p.counts().tolist()
        [0.0, 1.0]
        """
        if type(arm) is not int or not 0 <= arm < self.n_arms:
            arm = self._check_arm(arm)
        if type(reward) is not float or reward - reward != 0.0:
            reward = self._check_reward(reward)
        c = self._counts[arm] + 1.0
        s = self._sums[arm] + reward
        self._counts[arm] = c
        self._sums[arm] = s
        self._means[arm] = s / c
        self._inv_root[arm] = 1.0 / math.sqrt(c)
        self._total += 1.0
        if c == 1.0 and arm in self._untried:
            self._untried.remove(arm)


class BernoulliThompson(Policy):
    """Thompson sampling with a Beta posterior per arm, for rewards in [0, 1].

    A reward ``r`` adds ``r`` to the arm's successes and ``1 - r`` to its failures
    (fractional rewards are allowed). Beta draws use Marsaglia-Tsang Gamma sampling.

    Parameters
    ----------
    n_arms : int
    prior_alpha, prior_beta : float
        Beta prior (1, 1 is uniform).
    seed : int or None

    Examples
    --------
    >>> p = BernoulliThompson(n_arms=2, seed=0)
    >>> for _ in range(200):
    ...     a = p.select(); p.update(a, 1.0 if a == 1 else 0.0)
    >>> int(p.counts().argmax())
    1
    """

    _successes: np.ndarray
    _failures: np.ndarray
    _FIELDS = (("successes", ()), ("failures", ()))
    _ADDITIVE = ("successes", "failures")

    def __init__(self, n_arms: int, prior_alpha: float = 1.0, prior_beta: float = 1.0, seed: int | None = None) -> None:
        self.prior_alpha = checks.real(prior_alpha, "BernoulliThompson", "prior_alpha", 0.0, open_low=True)
        self.prior_beta = checks.real(prior_beta, "BernoulliThompson", "prior_beta", 0.0, open_low=True)
        super().__init__(n_arms, seed)

    def _hyper(self) -> tuple:
        return (self.prior_alpha, self.prior_beta)

    def _new_arm(self) -> dict[str, np.ndarray]:
        return {"successes": np.zeros((), FLOAT), "failures": np.zeros((), FLOAT)}

    def _refresh(self) -> None:
        super()._refresh()
        self._a = (self._successes + self.prior_alpha).tolist()
        self._b = (self._failures + self.prior_beta).tolist()

    def _draw(self, arms: list[int]) -> int:
        # One numpy Beta draw per arm: numpy's scalar sampler is faster than its
        # broadcasting one for a handful of arms.
        beta, a, b = self._rng.beta, self._a, self._b
        best, top = arms[0], -1.0
        for k in arms:
            v = beta(a[k], b[k])
            if v > top:
                best, top = k, v
        return best

    def _validate(self, values: dict[str, np.ndarray]) -> None:
        if (values["successes"] < 0.0).any() or (values["failures"] < 0.0).any():
            raise StateMismatchError("BernoulliThompson: negative successes or failures; reset the state")

    def counts(self) -> np.ndarray:
        """Number (weight) of updates per arm.

        Examples
        --------
        >>> BernoulliThompson(2).counts().tolist()
        [0.0, 0.0]
        """
        return self._successes + self._failures

    def means(self) -> np.ndarray:
        """Posterior mean of each arm's success probability.

        Examples
        --------
        >>> p = BernoulliThompson(1); p.update(0, 1.0); p.means().round(3).tolist()
        [0.667]
        """
        a, b = np.array(self._a), np.array(self._b)
        return a / (a + b)

    @mutator
    def select(self, context: Any = None, allowed: Any = None) -> int:
        """Choose the arm with the largest posterior draw.

        Examples
        --------
        >>> BernoulliThompson(3, seed=0).select(allowed=[1])
        1
        """
        if allowed is None:
            if not self._active_list:
                raise self._no_arm()
            return self._draw(self._active_list)
        return self._draw(np.flatnonzero(self._mask(allowed)).tolist())

    @mutator
    def update(self, arm: int, reward: float, context: Any = None) -> None:
        """Record a reward in [0, 1].

        Examples
        --------
        >>> p = BernoulliThompson(1); p.update(0, 2.0)
        Traceback (most recent call last):
        ...
        edgeadapt.errors.InputError: BernoulliThompson: reward must lie in [0, 1], got 2.0
        """
        if type(arm) is not int or not 0 <= arm < self.n_arms:
            arm = self._check_arm(arm)
        if type(reward) is not float:
            reward = self._check_reward(reward)
        if not 0.0 <= reward <= 1.0:
            raise InputError(f"BernoulliThompson: reward must lie in [0, 1], got {reward!r}")
        self._successes[arm] += reward
        self._failures[arm] += 1.0 - reward
        self._a[arm] += reward
        self._b[arm] += 1.0 - reward


class GaussianThompson(_Counting):
    """Thompson sampling for Gaussian rewards with known noise and a Normal prior.

    The posterior of arm ``k`` after ``n`` rewards summing to ``s`` is Normal with
    precision ``1/prior_std**2 + n/noise_std**2`` and mean
    ``(prior_mean/prior_std**2 + s/noise_std**2) / precision``.

    Parameters
    ----------
    n_arms : int
    prior_mean, prior_std : float
        Normal prior on each arm's mean reward.
    noise_std : float
        Standard deviation of a reward around its arm's mean.
    seed : int or None

    Examples
    --------
    >>> p = GaussianThompson(n_arms=2, noise_std=0.5, seed=0)
    >>> for _ in range(200):
    ...     a = p.select(); p.update(a, 1.0 if a == 0 else 0.0)
    >>> int(p.counts().argmax())
    0
    """

    def __init__(
        self, n_arms: int, prior_mean: float = 0.0, prior_std: float = 1.0, noise_std: float = 1.0, seed: int | None = None
    ) -> None:
        self.prior_mean = checks.real(prior_mean, "GaussianThompson", "prior_mean")
        self.prior_std = checks.real(prior_std, "GaussianThompson", "prior_std", 0.0, open_low=True)
        self.noise_std = checks.real(noise_std, "GaussianThompson", "noise_std", 0.0, open_low=True)
        super().__init__(n_arms, seed)

    def _hyper(self) -> tuple:
        return (self.prior_mean, self.prior_std, self.noise_std)

    def _refresh(self) -> None:
        super()._refresh()
        self._p0 = 1.0 / self.prior_std**2
        self._pn = 1.0 / self.noise_std**2
        prec = self._p0 + self._counts * self._pn
        self._post_mean = (self.prior_mean * self._p0 + self._sums * self._pn) / prec
        self._post_std = 1.0 / np.sqrt(prec)

    def posterior(self) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and standard deviation of each arm's mean reward.

        Examples
        --------
        >>> m, s = GaussianThompson(1).posterior(); m.tolist(), s.tolist()
        ([0.0], [1.0])
        """
        return self._post_mean.copy(), self._post_std.copy()

    @mutator
    def select(self, context: Any = None, allowed: Any = None) -> int:
        """Choose the arm with the largest posterior draw.

        Examples
        --------
        >>> GaussianThompson(3, seed=0).select(allowed=[0])
        0
        """
        if allowed is None:
            if not self._active_list:
                raise self._no_arm()
            theta = self._post_mean + self._post_std * self._rng.standard_normal(self.n_arms)
            if not self._all_active:
                theta += self._penalty
            return int(theta.argmax())
        mask = self._mask(allowed)
        theta = self._post_mean + self._post_std * self._rng.standard_normal(self.n_arms)
        return int(np.where(mask, theta, -np.inf).argmax())

    @mutator
    def update(self, arm: int, reward: float, context: Any = None) -> None:
        """Record ``reward`` for ``arm``.

        Examples
        --------
        >>> p = GaussianThompson(1, prior_std=1.0, noise_std=1.0); p.update(0, 2.0)
        >>> p.posterior()[0].tolist()
        [1.0]
        """
        if type(arm) is not int or not 0 <= arm < self.n_arms:
            arm = self._check_arm(arm)
        if type(reward) is not float or reward - reward != 0.0:
            reward = self._check_reward(reward)
        c = self._counts[arm] + 1.0
        s = self._sums[arm] + reward
        self._counts[arm] = c
        self._sums[arm] = s
        prec = self._p0 + c * self._pn
        self._post_mean[arm] = (self.prior_mean * self._p0 + s * self._pn) / prec
        self._post_std[arm] = 1.0 / math.sqrt(prec)


class BootstrapThompson(Policy):
    """Bootstrap Thompson sampling (Eckles and Kaptein, 2014): counters and one random number.

    Each arm keeps ``n_replicates`` (sum, weight) counters. An update draws one uniform
    number and uses its top bits as coins: each replicate gets the reward with weight 2
    or 0 (double-or-nothing bootstrap). A decision draws one uniform number to pick a
    replicate and plays the arm whose replicate mean is largest. This suits a
    microcontroller: no special functions, one random number per call.

    Parameters
    ----------
    n_arms : int
    n_replicates : int
        Bootstrap replicates per arm, at most ``MAX_REPLICATES`` (32).
    prior_reward, prior_weight : float
        Every replicate starts as if it had seen ``prior_weight`` of reward ``prior_reward``.
        Make the prior optimistic (the largest possible reward, 1.0 for rewards in
        [0, 1]): with a few replicates, a pessimistic or neutral prior can leave the best
        arm unexplored for good (regret grew 20-fold in our benchmark with 0.5).
    seed : int or None

    Examples
    --------
    >>> p = BootstrapThompson(n_arms=2, seed=0)
    >>> for _ in range(300):
    ...     a = p.select(); p.update(a, 1.0 if a == 1 else 0.0)
    >>> int(p.counts().argmax())
    1
    """

    _rep_sums: np.ndarray
    _rep_weights: np.ndarray
    _counts: np.ndarray
    _FIELDS = (("rep_sums", ("j",)), ("rep_weights", ("j",)), ("counts", ()))
    _ADDITIVE = ("rep_sums", "rep_weights", "counts")
    _BUFFERED = True

    def __init__(
        self, n_arms: int, n_replicates: int = 16, prior_reward: float = 1.0, prior_weight: float = 1.0, seed: int | None = None
    ) -> None:
        j = checks.count(n_replicates, "BootstrapThompson", "n_replicates")
        if j > MAX_REPLICATES:
            raise InputError(f"BootstrapThompson: n_replicates must be at most {MAX_REPLICATES}, got {j}")
        self.n_replicates = j
        self.prior_reward = checks.real(prior_reward, "BootstrapThompson", "prior_reward")
        self.prior_weight = checks.real(prior_weight, "BootstrapThompson", "prior_weight", 0.0, open_low=True)
        self._scale = float(1 << j)
        self._shifts = np.arange(j, dtype=np.int64)
        super().__init__(n_arms, seed)

    def _hyper(self) -> tuple:
        return (self.n_replicates, self.prior_reward, self.prior_weight)

    def _field_shape(self, k: int, trailing: tuple) -> tuple:
        return (k,) + tuple(self.n_replicates if t == "j" else t for t in trailing)

    def _new_arm(self) -> dict[str, np.ndarray]:
        z = np.zeros(self.n_replicates, FLOAT)
        return {"rep_sums": z, "rep_weights": z.copy(), "counts": np.zeros((), FLOAT)}

    def _refresh(self) -> None:
        super()._refresh()
        prior = self.prior_reward * self.prior_weight
        self._rep_means = (self._rep_sums + prior) / (self._rep_weights + self.prior_weight)
        # Column j holds every arm's replicate-j mean (plus the retired-arm penalty).
        self._columns = np.ascontiguousarray((self._rep_means + self._penalty[:, None]).T)

    def _validate(self, values: dict[str, np.ndarray]) -> None:
        if (values["rep_weights"] < 0.0).any() or (values["counts"] < 0.0).any():
            raise StateMismatchError("BootstrapThompson: negative weights or counts; reset the state")

    def means(self) -> np.ndarray:
        """Mean over replicates of each arm's replicate mean.

        Examples
        --------
        >>> BootstrapThompson(2, prior_reward=0.5).means().tolist()
        [0.5, 0.5]
        """
        return self._rep_means.mean(axis=1)

    @mutator
    def select(self, context: Any = None, allowed: Any = None) -> int:
        """Pick a replicate with one random number; play its best arm.

        Examples
        --------
        >>> BootstrapThompson(3, seed=0).select(allowed=[2])
        2
        """
        j = int(self._uniform() * self.n_replicates)
        if allowed is None:
            if not self._active_list:
                raise self._no_arm()
            return int(self._columns[j].argmax())
        mask = self._mask(allowed)
        return int(np.where(mask, self._columns[j], -np.inf).argmax())

    @mutator
    def update(self, arm: int, reward: float, context: Any = None) -> None:
        """Record ``reward``: each replicate takes it with weight 2 or 0 by one coin each.

        Examples
        --------
        >>> p = BootstrapThompson(1, n_replicates=4, seed=0); p.update(0, 1.0)
        >>> float(p.state_dict()["rep_weights"].sum()) in (0.0, 2.0, 4.0, 6.0, 8.0)
        True
        """
        if type(arm) is not int or not 0 <= arm < self.n_arms:
            arm = self._check_arm(arm)
        if type(reward) is not float or reward - reward != 0.0:
            reward = self._check_reward(reward)
        bits = int(self._uniform() * self._scale)
        w = ((bits >> self._shifts) & 1) * 2.0
        sums = self._rep_sums[arm]
        weights = self._rep_weights[arm]
        sums += w * reward
        weights += w
        self._counts[arm] += 1.0
        means = (sums + self.prior_reward * self.prior_weight) / (weights + self.prior_weight)
        self._rep_means[arm] = means
        self._columns[:, arm] = means + self._penalty[arm]
