"""Conformance cases of the core layer's own stateful classes."""

from __future__ import annotations

import numpy as np

from edgeadapt.conformance import Case
from edgeadapt.core import StateGroup
from edgeadapt.learn import Moments, Ridge

RNG = np.random.default_rng(5)
ROWS = [(RNG.normal(size=2), float(RNG.normal())) for _ in range(20)]


def group():
    return StateGroup(stats=Moments(2), fit=Ridge(2))


def through_children(g, x, y):
    """The path the issue found unsaved: a change made on a child of the group."""
    g["stats"].update(x)
    g["fit"].update(x, y)


CASES = [
    Case("StateGroup", group, ROWS, method=through_children),
]
