"""The core layer: the state protocol, mutation tracking and one set of argument checks.

Everything stateful in edgeadapt derives from :class:`Stateful`; its mutating methods are
marked with :func:`mutator`: once the component is observed (its version read, a listener
subscribed, or adopted as a part), each mutator bumps its :attr:`~Stateful.version` and
tells whoever listens (a :class:`~edgeadapt.state.Persistent` wrapper, a parent
component) that the state changed. A component nobody observes pays nothing. Nothing in this package imports anything else of
edgeadapt except :mod:`edgeadapt.errors`, which belongs to the same layer.

Examples
--------
>>> import numpy as np
>>> from edgeadapt.core import Stateful, mutator, expect_keys, expect_scalar
>>> class Counter(Stateful):
...     def __init__(self):
...         self.n = 0
...     @mutator
...     def update(self, k=1):
...         self.n += k
...     def state_dict(self):
...         return {"n": np.int64(self.n)}
...     def load_state_dict(self, state):
...         expect_keys(state, ["n"], self)
...         self.n = int(expect_scalar(state, "n", np.int64, self))
>>> c = Counter(); c.version           # observing starts the tracking
0
>>> c.update(); c.version
1
"""

from . import checks
from .protocol import (
    GROUP_SEPARATOR,
    StateGroup,
    Stateful,
    component_name,
    conditional_mutator,
    expect_array,
    expect_keys,
    expect_scalar,
    is_mutator,
    load_parts_state,
    mutator,
    parts_state,
    registered_classes,
)

__all__ = [
    "checks",
    "GROUP_SEPARATOR",
    "StateGroup",
    "Stateful",
    "component_name",
    "conditional_mutator",
    "expect_array",
    "expect_keys",
    "expect_scalar",
    "is_mutator",
    "load_parts_state",
    "mutator",
    "parts_state",
    "registered_classes",
]
