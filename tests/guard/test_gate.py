"""The update gate: limits in stream time, canaries on a candidate, commits, logs and restarts."""

from __future__ import annotations

import copy
import logging
import os

import numpy as np
import pytest

from edgeadapt.errors import InputError
from edgeadapt.guard.gate import KINDS, LOGGER_NAME, UpdateGate
from edgeadapt.learn import NearestClassMean
from edgeadapt.state import FileStore, persist


def model() -> NearestClassMean:
    m = NearestClassMean(2, 3)
    m.update([1.0, 0.0], 0)
    m.update([0.0, 1.0], 1)
    return m


def predict(m, inputs):
    return [m.predict(x) for x in inputs]


CANARIES = [[0.9, 0.1], [0.1, 0.9], [0.8, 0.3]]


def make_gate(**kw) -> UpdateGate:
    return UpdateGate(predict, **kw)


def test_each_check_rejects_with_its_kind_and_changes_nothing():
    m = model()
    g = make_gate(per_hour=2, per_class_per_hour=1, min_margin=0.1, total=3)
    g.set_canaries(m, CANARIES)
    before = m.state_dict()
    kinds = []
    for label, x, margin, t in [(2, [0.5, 0.5], 0.05, 0.0),      # margin
                                 (1, [[0.9, 0.1]] * 5, 0.5, 1.0),  # canary: a lemon taught as a lime
                                 (2, [0.5, 0.5], 0.5, 2.0),       # accepted
                                 (2, [0.4, 0.4], 0.5, 3.0),       # class rate (1 per hour)
                                 (0, [0.9, 0.0], 0.5, 4.0),       # accepted
                                 (0, [0.95, 0.0], 0.5, 5.0),      # rate (2 per hour)
                                 (0, [0.95, 0.0], 0.5, 3700.0),   # accepted (an hour later, stream time)
                                 (0, [0.95, 0.0], 0.5, 9000.0)]:  # total
        xs = np.array(x, dtype=float).reshape(-1, 2)
        d = g.propose(m, lambda c, xs=xs, label=label: c.update_many(xs, [label] * len(xs)), str(label), margin, time=t)
        kinds.append(d.kind)
    assert kinds == ["margin", "canary", "accepted", "class_rate", "accepted", "rate", "accepted", "total"]
    assert g.accepted == 3 and g.rejected == 5
    assert g.reason_counts() == {"margin": 1, "rate": 1, "class_rate": 1, "total": 1, "canary": 1, "check": 0}
    assert m.counts().tolist() == [3.0, 1.0, 1.0] and not np.array_equal(m.state_dict()["sums"], before["sums"])
    assert g.failing_canaries(m) == []


def test_poisoning_stream_is_rejected_canaries_unchanged_reasons_logged(caplog):
    m = model()
    g = make_gate(per_hour=100, min_margin=0.0)
    g.set_canaries(m, CANARIES)
    reference = predict(m, CANARIES)
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    rng = np.random.default_rng(0)
    decisions = []
    for i in range(30):   # pseudo-labels that call lemons (near class 0's mean) limes (class 1), in bursts
        xs = np.array([0.9, 0.1]) + rng.normal(0, 0.02, (10, 2))
        decisions.append(g.propose(m, lambda c, xs=xs: c.update_many(xs, [1] * len(xs)), "1", 0.3, time=60.0 * i))
    assert not any(d.accepted for d in decisions) and all(d.kind == "canary" for d in decisions)
    assert predict(m, CANARIES) == reference and m.counts().tolist() == [1.0, 1.0, 0.0]
    rejected = [r for r in caplog.records if "rejected" in r.getMessage()]
    assert len(rejected) == 30 and "canar" in rejected[0].getMessage()


def test_the_candidate_is_not_the_live_component_and_is_never_saved(tmp_path):
    path = str(tmp_path / "m.ea")
    m = persist(model(), path)
    g = make_gate()
    g.set_canaries(m, CANARIES)
    seen = []

    def spy(candidate):
        seen.append(candidate)
        candidate.update([0.9, 0.1], 1)
        candidate.update([0.9, 0.1], 1)

    seq = FileStore(path, readonly=True).inspect().slots
    d = g.propose(m, spy, "1", 0.5, time=0.0)
    assert not d.accepted and seen[0] is not m
    assert FileStore(path, readonly=True).inspect().slots == seq       # nothing written for a rejected update
    d = g.propose(m, lambda c: c.update([0.2, 0.2], 2), "2", 0.5, time=1.0)
    assert d.accepted and persist(model(), path).counts().tolist() == [1.0, 1.0, 1.0]


def test_check_callback_and_commit_listeners():
    m = model()
    g = make_gate()
    commits = []
    g.on_commit(commits.append)
    d = g.propose(m, lambda c: c.update([0.2, 0.2], 2), "2", time=0.0, check=lambda c: "no thanks")
    assert (d.accepted, d.kind, d.reason) == (False, "check", "no thanks") and not commits
    d = g.propose(m, lambda c: c.update([0.2, 0.2], 2), "2", time=0.0, check=lambda c: "")
    assert d.accepted and commits == [d]
    assert getattr(copy.deepcopy(g), "_ea_commit_listeners", []) == []


def test_state_survives_a_reload_and_keeps_limits_and_canaries():
    m = model()
    g = make_gate(per_hour=1)
    g.set_canaries(m, CANARIES)
    g.propose(m, lambda c: c.update([0.2, 0.2], 2), "2", time=0.0)
    h = make_gate(per_hour=1)
    h.load_state_dict(g.state_dict())
    assert h.n_canaries == 3 and h.accepted == 1
    assert h.propose(m, lambda c: c.update([0.2, 0.2], 2), "2", time=10.0).kind == "rate"


@pytest.mark.parametrize("kw", [{"per_hour": 0}, {"min_margin": float("nan")}, {"tolerance": -1.0},
                                {"per_class_per_hour": 0}])
def test_bad_configuration_is_refused(kw):
    with pytest.raises(InputError):
        make_gate(**kw)


def test_canaries_need_an_outputs_function():
    with pytest.raises(InputError, match="outputs function"):
        UpdateGate().set_canaries(model(), CANARIES)


def test_kinds_are_documented():
    doc = open(os.path.join(os.path.dirname(__file__), "..", "..", "docs", "guardrails.md")).read() \
        if os.path.exists(os.path.join(os.path.dirname(__file__), "..", "..", "docs", "guardrails.md")) else None
    if doc is not None:
        for kind in KINDS:
            assert f"`{kind}`" in doc
