"""Guard on a policy's outputs: allowed arms and a per-arm rate limit.

The guard only narrows the set of arms a policy may choose from; every reward goes
to the policy unchanged, so its statistics stay exactly those of the (arm, reward)
stream it saw.

Examples
--------
>>> from edgeadapt.bandit import UCB1
>>> t = [0.0]
>>> g = ArmGuard(UCB1(n_arms=2), max_per_window=1, window_seconds=3600.0, clock=lambda: t[0])
>>> g.select(), g.select()
(0, 1)
>>> g.select()
Traceback (most recent call last):
...
edgeadapt.bandit.base.NoArmAvailableError: ArmGuard: every allowed arm has been picked 1 times in the last 3600.0 s; wait, or raise the limit
"""

from __future__ import annotations

import time
from typing import Any, Callable, Mapping

import numpy as np

from ..errors import StateMismatchError
from ..core.protocol import Stateful, expect_array, expect_keys, mutator
from ..core import checks
from .base import FLOAT, NoArmAvailableError

__all__ = ["ArmGuard", "NEVER"]

# Pick time of a ring-buffer slot that was never used (finite, so the blob checks pass).
NEVER = -np.finfo(np.float64).max
POLICY_PREFIX = "policy."
SECONDS_PER_HOUR = 3600.0


class ArmGuard(Stateful):
    """Restrict a policy to allowed arms and at most ``max_per_window`` picks per arm.

    Parameters
    ----------
    policy : Policy
        The guarded policy (its statistics are never altered by the guard).
    max_per_window : int or None
        Most picks of one arm within ``window_seconds``; ``None`` for no rate limit.
    window_seconds : float
        Length of the sliding window (an hour by default).
    allowed : iterable of int, optional
        Arms the guard ever lets through; ``None`` for all.
    clock : callable
        Seconds (wall clock by default, so limits survive a reboot).

    Notes
    -----
    The state is the policy's state (names prefixed ``policy.``) plus the last
    ``max_per_window`` pick times of each arm.

    Examples
    --------
    >>> from edgeadapt.bandit import EpsilonGreedy
    >>> g = ArmGuard(EpsilonGreedy(n_arms=4, seed=0), allowed=[1, 3])
    >>> sorted({g.select() for _ in range(50)})
    [1, 3]
    """

    def __init__(
        self,
        policy: Any,
        max_per_window: int | None = None,
        window_seconds: float = SECONDS_PER_HOUR,
        allowed: Any = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.policy = policy
        self.max_per_window = None if max_per_window is None else checks.count(max_per_window, "ArmGuard", "max_per_window")
        self.window_seconds = checks.real(window_seconds, "ArmGuard", "window_seconds", 0.0, open_low=True)
        self.allowed = None if allowed is None else sorted(int(a) for a in allowed)
        self.clock = clock
        slots = self.max_per_window or 1
        self._times = np.full((policy.n_arms, slots), NEVER, dtype=FLOAT)
        self._next = np.zeros(policy.n_arms, dtype=np.int64)

    def _grow(self) -> None:
        k = self.policy.n_arms - self._times.shape[0]
        if k > 0:
            self._times = np.vstack([self._times, np.full((k, self._times.shape[1]), NEVER)])
            self._next = np.concatenate([self._next, np.zeros(k, np.int64)])

    def available(self, now: float | None = None) -> np.ndarray:
        """Boolean mask of arms the guard lets through at time ``now``.

        Examples
        --------
        >>> from edgeadapt.bandit import UCB1
        >>> ArmGuard(UCB1(n_arms=3), allowed=[0, 2]).available().tolist()
        [True, False, True]
        """
        self._grow()
        k = self.policy.n_arms
        mask = np.ones(k, dtype=bool)
        if self.allowed is not None:
            mask[:] = False
            mask[[a for a in self.allowed if a < k]] = True
        if self.max_per_window is not None:
            now = self.clock() if now is None else now
            oldest = self._times[np.arange(k), self._next]
            mask &= oldest <= now - self.window_seconds
        return mask

    @mutator
    def select(self, context: Any = None, allowed: Any = None) -> int:
        """Let the policy choose among the arms allowed now; record the pick.

        Parameters
        ----------
        context : array_like, optional
        allowed : iterable of int, optional
            Further restriction for this call only.

        Raises
        ------
        NoArmAvailableError
            If no arm is allowed, active and under its limit.

        Examples
        --------
        >>> from edgeadapt.bandit import UCB1
        >>> ArmGuard(UCB1(n_arms=3)).select(allowed=[2])
        2
        """
        now = self.clock()
        mask = self.available(now)
        if allowed is not None:
            extra = np.zeros_like(mask)
            extra[np.asarray(list(allowed), dtype=np.int64)] = True
            mask &= extra
        if not mask.any():
            limit = f"has been picked {self.max_per_window} times in the last {self.window_seconds} s" if self.max_per_window else "is excluded"
            raise NoArmAvailableError(f"ArmGuard: every allowed arm {limit}; wait, or raise the limit")
        arm = self.policy.select(context, allowed=mask)
        if self.max_per_window is not None:
            self._times[arm, self._next[arm]] = now
            self._next[arm] = (self._next[arm] + 1) % self._times.shape[1]
        return arm

    @mutator
    def update(self, arm: int, reward: float, context: Any = None) -> None:
        """Pass the reward to the policy unchanged.

        Examples
        --------
        >>> from edgeadapt.bandit import UCB1
        >>> g = ArmGuard(UCB1(n_arms=2)); g.update(1, 1.0); g.policy.counts().tolist()
        [0.0, 1.0]
        """
        self.policy.update(arm, reward, context)

    @mutator
    def update_many(self, arms: Any, rewards: Any, contexts: Any = None) -> None:
        """Pass a batch of rewards to the policy unchanged.

        Examples
        --------
        >>> from edgeadapt.bandit import UCB1
        >>> g = ArmGuard(UCB1(n_arms=2)); g.update_many([0, 0], [1.0, 0.0]); g.policy.counts().tolist()
        [2.0, 0.0]
        """
        self.policy.update_many(arms, rewards, contexts)

    @mutator
    def add_arm(self) -> int:
        """Add an arm to the policy (and rate-limit memory for it).

        Examples
        --------
        >>> from edgeadapt.bandit import UCB1
        >>> ArmGuard(UCB1(n_arms=2), max_per_window=3).add_arm()
        2
        """
        arm = self.policy.add_arm()
        self._grow()
        return arm

    @mutator
    def retire_arm(self, arm: int) -> None:
        """Retire an arm of the policy.

        Examples
        --------
        >>> from edgeadapt.bandit import UCB1
        >>> g = ArmGuard(UCB1(n_arms=2)); g.retire_arm(0); g.select()
        1
        """
        self.policy.retire_arm(arm)

    def state_dict(self) -> dict[str, Any]:
        """The policy's state under ``policy.``, plus ``pick_times`` and ``pick_next``.

        Examples
        --------
        >>> from edgeadapt.bandit import UCB1
        >>> sorted(ArmGuard(UCB1(n_arms=1)).state_dict())[:2]
        ['pick_next', 'pick_times']
        """
        self._grow()
        out = {POLICY_PREFIX + k: v for k, v in self.policy.state_dict().items()}
        out["pick_times"] = self._times.copy()
        out["pick_next"] = self._next.copy()
        return out

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Load the policy's and the guard's state; nothing changes on error.

        Examples
        --------
        >>> from edgeadapt.bandit import UCB1
        >>> a = ArmGuard(UCB1(n_arms=2), max_per_window=1, clock=lambda: 5.0); _ = a.select()
        >>> b = ArmGuard(UCB1(n_arms=2), max_per_window=1, clock=lambda: 5.0); b.load_state_dict(a.state_dict())
        >>> b.available().tolist()
        [False, True]
        """
        own = {k: v for k, v in state.items() if not k.startswith(POLICY_PREFIX)}
        expect_keys(own, ["pick_times", "pick_next"], self)
        times = expect_array(own, "pick_times", (None, self._times.shape[1]), FLOAT, self)
        nxt = expect_array(own, "pick_next", (times.shape[0],), np.int64, self)
        if (nxt < 0).any() or (nxt >= times.shape[1]).any():
            raise StateMismatchError("ArmGuard: state entry 'pick_next' is out of range; reset the state")
        backup = self.policy.state_dict()
        self.policy.load_state_dict({k[len(POLICY_PREFIX):]: v for k, v in state.items() if k.startswith(POLICY_PREFIX)})
        if self.policy.n_arms != times.shape[0]:
            self.policy.load_state_dict(backup)
            raise StateMismatchError("ArmGuard: pick_times and the policy disagree on the number of arms; reset the state")
        self._times, self._next = times, nxt

    def __repr__(self) -> str:
        return f"ArmGuard({self.policy!r}, max_per_window={self.max_per_window}, window_seconds={self.window_seconds})"
