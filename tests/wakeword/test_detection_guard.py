"""Guard rails: threshold, margin, debounce, refractory; rate limit of self-learning."""

from __future__ import annotations

import math

import numpy as np
import pytest

from edgeadapt.errors import InputError, StateError
from edgeadapt.guard.detection import SECONDS_PER_HOUR, DetectionGuard, RateLimit
from edgeadapt.state import encode_blob


def run(guard, frames):
    return [t for t, label, s, r in frames if guard.process(t, label, s, r)]


def test_threshold_and_refractory():
    guard = DetectionGuard(threshold=0.5, refractory_seconds=1.0)
    frames = [(i * 0.1, "a", s, -math.inf) for i, s in enumerate([0.4, 0.6, 0.7, 0.2, 0.6, 0.1] + [0.1] * 6 + [0.8])]
    assert run(guard, frames) == [pytest.approx(0.1), pytest.approx(1.2)]


def test_margin_blocks_ambiguous_labels():
    guard = DetectionGuard(threshold=0.5, min_margin=0.1)
    assert not guard.process(0.0, "a", 0.8, 0.75)
    assert guard.process(0.1, "a", 0.8, 0.65)


def test_debounce_needs_consecutive_frames_of_one_label():
    guard = DetectionGuard(threshold=0.5, debounce_frames=3)
    frames = [(0.0, "a", 0.9, 0), (0.1, "a", 0.9, 0), (0.2, "b", 0.9, 0), (0.3, "b", 0.9, 0),
              (0.4, "a", 0.2, 0), (0.5, "b", 0.9, 0), (0.6, "b", 0.9, 0), (0.7, "b", 0.9, 0)]
    assert run(guard, frames) == [pytest.approx(0.7)]


def test_guard_rejects_nan_and_bad_config():
    with pytest.raises(InputError, match="NaN"):
        DetectionGuard().process(0.0, "a", float("nan"))
    with pytest.raises(InputError, match="time"):
        DetectionGuard().process(float("inf"), "a", 0.9)
    with pytest.raises(InputError, match="debounce"):
        DetectionGuard(debounce_frames=0).process(0.0, "a", 0.9)


def test_rate_limit_per_hour_and_total():
    limit = RateLimit(per_hour=2, total=5)
    accepted = []
    for t in np.arange(0, 5 * SECONDS_PER_HOUR, 600.0):  # one request every 10 minutes for 5 hours
        if limit.allows(t):
            limit.update(t)
            accepted.append(t)
    assert len(accepted) == 5
    for a, b in zip(accepted, accepted[2:]):
        assert b - a >= SECONDS_PER_HOUR
    assert not limit.allows(1e9)


def test_rate_limit_state_round_trip_and_checks():
    limit = RateLimit(per_hour=3, total=10)
    limit.update(5.0)
    limit.update(7.0)
    other = RateLimit(per_hour=3, total=10)
    other.load_state_dict(limit.state_dict())
    assert encode_blob(other.state_dict()) == encode_blob(limit.state_dict())
    assert other.count == 2 and other.allows(8.0) and not RateLimit(per_hour=0).allows(0.0)
    stricter = RateLimit(per_hour=1, total=10)  # limits may change between sessions
    stricter.load_state_dict(limit.state_dict())
    assert not stricter.allows(8.0) and stricter.allows(7.0 + SECONDS_PER_HOUR)
    before = encode_blob(other.state_dict())
    for bad in ({"times": np.zeros(2), "count": np.int64(1)},
                {"times": np.array([np.nan, 1.0, 2.0]), "count": np.int64(3)},
                {"times": np.array([2.0, 1.0]), "count": np.int64(2)},
                {"times": np.zeros((1, 1)), "count": np.int64(1)}):
        with pytest.raises(StateError):
            other.load_state_dict(bad)
        assert encode_blob(other.state_dict()) == before
