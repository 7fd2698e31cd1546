"""Conformance cases of the guard rails: output filters, the filter chain and the update gate."""

from __future__ import annotations

import numpy as np

from edgeadapt.conformance import Case
from edgeadapt.guard.gate import UpdateGate
from edgeadapt.learn import NearestClassMean

RNG = np.random.default_rng(13)


def _model() -> NearestClassMean:
    m = NearestClassMean(2, 3)
    m.update([1.0, 0.0], 0)
    m.update([0.0, 1.0], 1)
    return m


def _predict(model, inputs):
    return [model.predict(x) for x in inputs]


MODEL = _model()


def gate() -> UpdateGate:
    g = UpdateGate(_predict, per_hour=3, per_class_per_hour=2, min_margin=0.1)
    g.set_canaries(MODEL, [[0.9, 0.1], [0.1, 0.9]])
    return g


def _proposal(x, label: int, margin: float, time: float) -> tuple:
    """The arguments of one ``propose`` call: a fresh model, an update of it, label, margin, time."""
    return (_model(), lambda m: m.update(x, label), str(label), margin, time)


GATE_UPDATES = [_proposal([float(a), float(b)], int(k), float(mg), float(t)) for a, b, k, mg, t in [
    (0.5, 0.5, 2, 0.3, 0.0), (0.95, 0.05, 0, 0.05, 10.0), (0.9, 0.1, 1, 0.5, 20.0),   # margin, canary
    (0.3, 0.3, 2, 0.4, 30.0), (0.2, 0.2, 2, 0.4, 40.0), (0.2, 0.25, 0, 0.4, 50.0),    # class rate, rate
    (0.6, 0.6, 2, 0.4, 4000.0),
]]

CASES = [
    Case("UpdateGate", gate, GATE_UPDATES, method="propose", merge=False,
         bad_updates=[_proposal([0.0, 0.0], 0, float("nan"), 0.0), _proposal([0.0, 0.0], 0, 0.5, float("inf")),
                      _proposal([0.0, 0.0], 0, 0.5, None), (_model(), "not callable", "0", 0.5, 0.0)],
         calls={"propose": [_proposal([0.4, 0.4], 2, 0.5, 9000.0), _proposal([0.4, 0.4], 2, 0.0, 9100.0)],
                "set_canaries": [(MODEL, [[0.9, 0.1]]), (MODEL, [[0.9, 0.1]])],
                "add_canaries": [(MODEL, [[0.1, 0.8]])],
                "failing_canaries": [(MODEL,)], "limit_reason": [("2", 0.5, 0.0)],
                "on_commit": [(lambda d: None,)]}),
]
