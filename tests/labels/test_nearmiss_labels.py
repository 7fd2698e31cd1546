"""NearMissLabeller: episodes under the threshold confirmed by a detection soon after."""

from __future__ import annotations

import pytest

from edgeadapt.errors import InputError
from edgeadapt.labels import NearMissLabeller

HOP = 0.08


def feed(labeller, scores, label="kw", threshold=0.6, start=0.0):
    """Feed a score sequence; a frame at or over the threshold is a detection."""
    out = []
    for i, s in enumerate(scores):
        out += labeller.process(start + i * HOP, label, s, payload=("frame", i), detected=s >= threshold)
    return out


def test_near_miss_then_detection_is_proposed_once_with_its_peak():
    lab = NearMissLabeller(low=0.4, high=0.6, horizon_seconds=4.0)
    found = feed(lab, [0.1, 0.42, 0.55, 0.5, 0.2] + [0.1] * 20 + [0.45, 0.7, 0.65, 0.3])
    assert len(found) == 1
    assert found[0].score == 0.55 and found[0].payload == ("frame", 2) and found[0].label == "kw"
    assert feed(lab, [0.1, 0.8], start=3.0) == []  # already proposed


def test_detection_edges_are_not_near_misses():
    lab = NearMissLabeller(low=0.4, high=0.6, horizon_seconds=10.0)
    # rising edge 0.5, detection 0.7, falling edge 0.5 then a second detection: nothing to learn
    assert feed(lab, [0.5, 0.7, 0.5, 0.45, 0.1, 0.1, 0.5, 0.9]) == []


def test_episode_that_crossed_without_detection_is_not_a_near_miss():
    lab = NearMissLabeller(low=0.4, high=0.6)
    for i, s in enumerate([0.5, 0.65, 0.5, 0.1]):  # crossed, but e.g. refractory: no detection
        lab.process(i * HOP, "kw", s, detected=False)
    assert lab.pending == []


def test_too_late_and_other_label_are_not_confirmed():
    lab = NearMissLabeller(low=0.4, high=0.6, horizon_seconds=2.0)
    feed(lab, [0.5, 0.1])
    assert len(lab.pending) == 1
    assert feed(lab, [0.9], start=5.0) == []  # 5 s later: expired
    feed(lab, [0.5, 0.1], label="a", start=10.0)
    assert feed(lab, [0.9], label="b", start=10.5) == []
    assert [m.label for m in lab.pending] == ["a"]


def test_pending_is_bounded_and_reset_forgets():
    lab = NearMissLabeller(low=0.4, high=0.6, horizon_seconds=100.0, max_pending=3)
    for k in range(5):
        feed(lab, [0.5, 0.1], start=k)
    assert [round(m.time) for m in lab.pending] == [2, 3, 4]
    lab.reset()
    assert lab.pending == []


def test_bad_configuration_and_input_raise():
    with pytest.raises(InputError, match="low < high"):
        NearMissLabeller(low=0.7, high=0.6).process(0.0, "kw", 0.5)
    with pytest.raises(InputError, match="NaN"):
        NearMissLabeller(low=0.4, high=0.6).process(0.0, "kw", float("nan"))
