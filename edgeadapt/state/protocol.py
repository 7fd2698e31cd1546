"""The state protocol, as seen from the state package (it lives in :mod:`edgeadapt.core`).

Examples
--------
>>> from edgeadapt.state.protocol import Stateful
>>> from edgeadapt.core import Stateful as CoreStateful
>>> Stateful is CoreStateful
True
"""

from ..core.protocol import (
    GROUP_SEPARATOR,
    StateGroup,
    Stateful,
    component_name,
    conditional_mutator,
    expect_array,
    expect_keys,
    expect_scalar,
    is_mutator,
    mutator,
)

__all__ = [
    "GROUP_SEPARATOR",
    "StateGroup",
    "Stateful",
    "component_name",
    "conditional_mutator",
    "expect_array",
    "expect_keys",
    "expect_scalar",
    "is_mutator",
    "mutator",
]
