"""The output guard: allowed arms, rate limits, and untouched statistics."""

from __future__ import annotations

import numpy as np
import pytest

from edgeadapt.bandit import ArmGuard, EpsilonGreedy, LinUCB, NoArmAvailableError, UCB1
from edgeadapt.state import decode_blob, encode_blob


class Clock:
    def __init__(self, step):
        self.t, self.step = 0.0, step

    def __call__(self):
        return self.t

    def tick(self):
        self.t += self.step


def test_rate_limit_holds_in_every_window_and_statistics_stay_exact():
    clock = Clock(step=150.0)  # 24 rounds an hour for 3 arms capped at 10 an hour
    guard = ArmGuard(EpsilonGreedy(3, epsilon=0.1, seed=0), max_per_window=10, window_seconds=3600.0, clock=clock)
    shadow = EpsilonGreedy(3, epsilon=0.1, seed=0)
    env = np.random.default_rng(0)
    times = {a: [] for a in range(3)}
    for _ in range(600):
        a = guard.select()
        r = float(env.random() < [0.2, 0.5, 0.9][a])
        guard.update(a, r)
        shadow.update(a, r)
        times[a].append(clock())
        clock.tick()
    for a, ts in times.items():
        ts = np.array(ts)
        for t in ts:
            assert np.sum((ts > t - 3600.0) & (ts <= t)) <= 10
    # Arm 2 is best but capped: the guard spread picks over the others.
    hours = 600 * 150.0 / 3600.0
    assert len(times[2]) <= (hours + 1) * 10
    assert len(times[0]) + len(times[1]) >= 600 - (hours + 1) * 10
    for key in ("counts", "sums"):
        np.testing.assert_array_equal(guard.policy.state_dict()[key], shadow.state_dict()[key])


def test_all_arms_capped_raises_and_recovers_after_the_window():
    clock = Clock(step=1.0)
    guard = ArmGuard(UCB1(2), max_per_window=1, window_seconds=10.0, clock=clock)
    guard.select()
    guard.select()
    with pytest.raises(NoArmAvailableError):
        guard.select()
    clock.t = 10.5
    assert guard.select() in (0, 1)


def test_allowed_set_and_per_call_restriction_with_context():
    guard = ArmGuard(LinUCB(4, 2, seed=0), allowed=[1, 2, 3])
    picks = set()
    for i in range(40):
        x = np.array([1.0, float(i % 3)])
        a = guard.select(x, allowed=[2, 3])
        guard.update(a, 1.0, x)
        picks.add(a)
    assert picks <= {2, 3}


def test_guard_state_round_trip_and_added_arm():
    clock = Clock(step=1.0)
    guard = ArmGuard(UCB1(2), max_per_window=2, window_seconds=100.0, clock=clock)
    guard.select()
    assert guard.add_arm() == 2
    guard.select()
    blob = encode_blob(guard.state_dict())
    other = ArmGuard(UCB1(2), max_per_window=2, window_seconds=100.0, clock=clock)
    other.load_state_dict(decode_blob(blob))
    assert encode_blob(other.state_dict()) == blob
    assert other.policy.n_arms == 3
