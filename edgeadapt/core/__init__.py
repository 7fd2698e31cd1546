"""The core layer: the state protocol, mutation tracking and one set of argument checks.

Everything stateful in edgeadapt derives from :class:`Stateful`; its mutating methods are
marked with :func:`mutator`: once the component is observed (its version read, a listener
subscribed, or adopted as a part), each mutator bumps its :attr:`~Stateful.version` and
tells whoever listens (a :class:`~edgeadapt.state.Persistent` wrapper, a parent
component) that the state changed. A component nobody observes pays nothing. Nothing in this package imports anything else of
edgeadapt except :mod:`edgeadapt.errors`, which belongs to the same layer.

Examples
--------
>>> from edgeadapt.core import StateGroup
>>> from edgeadapt.learn import Moments
>>> g = StateGroup(a=Moments(1)); g.version          # observing starts the tracking
0
>>> g["a"].update(2.0); g.version                     # a change of a part is a change of the whole
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
