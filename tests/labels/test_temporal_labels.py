"""ConsistencyLabeller: runs of one label over consecutive confident frames."""

from __future__ import annotations

import pytest

from edgeadapt.errors import InputError
from edgeadapt.labels import ConsistencyLabeller

HOP = 0.08


def feed(labeller, frames):
    out = []
    for i, (label, score) in enumerate(frames):
        out += labeller.process(i * HOP, label, score, payload=i)
    return out + labeller.flush()


def test_long_confident_run_is_proposed_once_with_its_peak():
    lab = ConsistencyLabeller(min_frames=4, min_score=0.5, max_gap=0)
    runs = feed(lab, [("a", 0.6), ("a", 0.9), ("a", 0.7), ("a", 0.6), (None, 0.0), ("a", 0.9)])
    assert len(runs) == 1
    (run,) = runs
    assert run.label == "a" and run.frames == 4 and run.payload == 1 and run.peak_score == 0.9
    assert run.start == 0.0 and run.end == pytest.approx(3 * HOP)
    assert run.mean_score == pytest.approx(0.7)


def test_short_or_unconfident_runs_are_not_proposed():
    lab = ConsistencyLabeller(min_frames=3, min_score=0.5, max_gap=0)
    assert feed(lab, [("a", 0.9), ("a", 0.9), ("b", 0.9), ("b", 0.9)]) == []
    assert feed(lab, [("a", 0.4)] * 10) == []


def test_gaps_are_tolerated_up_to_max_gap():
    frames = [("a", 0.9), ("b", 0.9), ("a", 0.9), (None, 0.0), ("a", 0.9)]
    assert [r.frames for r in feed(ConsistencyLabeller(min_frames=3, max_gap=1), frames)] == [3]
    assert feed(ConsistencyLabeller(min_frames=3, max_gap=0), frames) == []


def test_a_new_label_starts_a_new_run():
    lab = ConsistencyLabeller(min_frames=2, min_score=0.5, max_gap=0)
    runs = feed(lab, [("a", 0.9), ("a", 0.9), ("b", 0.8), ("b", 0.8)])
    assert [(r.label, r.frames) for r in runs] == [("a", 2), ("b", 2)]


def test_bad_input_raises():
    with pytest.raises(InputError, match="NaN"):
        ConsistencyLabeller().process(0.0, "a", float("nan"))
    with pytest.raises(InputError, match="min_frames"):
        ConsistencyLabeller(min_frames=0).process(0.0, "a", 0.9)
