"""The one protocol every stateful component follows, and helpers to check states.

A stateful component offers ``state_dict()`` (a flat mapping of names to numpy arrays,
numpy scalars, ``bytes`` or ``str``) and ``load_state_dict(state)``. Its mutating
methods are listed in the class attribute ``mutators`` (default: ``update`` and
``update_many``) so that :class:`edgeadapt.state.Persistent` knows when to save,
without the component ever calling a store.

``load_state_dict`` validates what it is given with :func:`expect_keys`,
:func:`expect_array` and :func:`expect_scalar`, which raise
:class:`~edgeadapt.errors.StateMismatchError` or
:class:`~edgeadapt.errors.NonFiniteStateError` naming the entry and the fix.

Examples
--------
>>> import numpy as np
>>> class Counter:
...     mutators = ("update",)
...     def __init__(self):
...         self.n = 0
...     def update(self, k=1):
...         self.n += k
...     def state_dict(self):
...         return {"n": np.int64(self.n)}
...     def load_state_dict(self, state):
...         expect_keys(state, ["n"], self)
...         self.n = int(expect_scalar(state, "n", np.int64, self))
>>> group = StateGroup(left=Counter(), right=Counter())
>>> group["left"].update(2)
>>> sorted(group.state_dict().items())
[('left.n', np.int64(2)), ('right.n', np.int64(0))]
>>> isinstance(group["left"], Stateful)
True
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Protocol, runtime_checkable

import numpy as np

from ..errors import NonFiniteStateError, StateMismatchError

__all__ = [
    "Stateful",
    "StateGroup",
    "DEFAULT_MUTATORS",
    "mutators_of",
    "expect_keys",
    "expect_array",
    "expect_scalar",
    "component_name",
]

DEFAULT_MUTATORS = ("update", "update_many")
GROUP_SEPARATOR = "."


@runtime_checkable
class Stateful(Protocol):
    """Anything whose whole adaptive state is a flat mapping of named arrays."""

    def state_dict(self) -> dict[str, Any]:
        """Return the state as a new flat mapping (no references into the component)."""

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Replace the state, after checking names, shapes, dtypes and finiteness."""


def component_name(component: Any) -> str:
    """Name of a component's class, used in error messages and blob metadata.

    Examples
    --------
    >>> component_name(StateGroup())
    'StateGroup'
    """
    return type(component).__name__


def mutators_of(component: Any) -> tuple[str, ...]:
    """The names of a component's methods that change its state.

    Examples
    --------
    >>> mutators_of(object())
    ('update', 'update_many')
    """
    return tuple(getattr(component, "mutators", DEFAULT_MUTATORS))


def _where(component: Any) -> str:
    return component if isinstance(component, str) else component_name(component)


def expect_keys(state: Mapping[str, Any], names: Iterable[str], component: Any) -> None:
    """Raise if ``state`` lacks any of ``names`` or holds others.

    Examples
    --------
    >>> expect_keys({"a": 1, "c": 2}, ["a", "b"], "Demo")
    Traceback (most recent call last):
    ...
    edgeadapt.errors.StateMismatchError: Demo: state is missing ['b'] and has unexpected ['c']; it was saved by another component or configuration: load it into a matching component or reset the state
    """
    wanted = set(names)
    present = set(state)
    missing, extra = sorted(wanted - present), sorted(present - wanted)
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"is missing {missing}")
        if extra:
            parts.append(f"has unexpected {extra}")
        raise StateMismatchError(
            f"{_where(component)}: state {' and '.join(parts)}; it was saved by another component or "
            "configuration: load it into a matching component or reset the state"
        )


def expect_array(
    state: Mapping[str, Any],
    name: str,
    shape: tuple[int | None, ...],
    dtype: Any,
    component: Any,
    *,
    finite: bool = True,
) -> np.ndarray:
    """Return ``state[name]`` as a writable array after checking shape, dtype and values.

    Parameters
    ----------
    shape : tuple
        Expected shape; ``None`` matches any length on that axis.
    dtype : dtype-like
        Expected dtype (same kind and size).
    finite : bool
        Refuse NaN and Inf (floating dtypes only).

    Examples
    --------
    >>> import numpy as np
    >>> expect_array({"w": np.zeros(3)}, "w", (4,), np.float64, "Ridge")
    Traceback (most recent call last):
    ...
    edgeadapt.errors.StateMismatchError: Ridge: state entry 'w' has shape (3,) and dtype float64, expected shape (4,) and dtype float64; the state was saved with another configuration
    """
    value = np.asarray(state[name])
    want = np.dtype(dtype)
    ok_shape = value.ndim == len(shape) and all(s is None or s == d for s, d in zip(shape, value.shape))
    if not ok_shape or value.dtype.kind != want.kind or value.dtype.itemsize != want.itemsize:
        shown = tuple("any" if s is None else s for s in shape)
        raise StateMismatchError(
            f"{_where(component)}: state entry {name!r} has shape {value.shape} and dtype {value.dtype}, "
            f"expected shape {shown} and dtype {want}; the state was saved with another configuration"
        )
    if finite and value.dtype.kind == "f" and not np.all(np.isfinite(value)):
        raise NonFiniteStateError(
            f"{_where(component)}: state entry {name!r} holds NaN or Inf, which this component forbids; "
            "the state is damaged: reset it"
        )
    return np.array(value, dtype=want.newbyteorder("="), copy=True)


def expect_scalar(state: Mapping[str, Any], name: str, dtype: Any, component: Any, *, finite: bool = True):
    """Return ``state[name]`` as a numpy scalar of ``dtype`` after checking it.

    Examples
    --------
    >>> import numpy as np
    >>> float(expect_scalar({"t": np.float64(0.5)}, "t", np.float64, "Gate"))
    0.5
    """
    return expect_array(state, name, (), dtype, component, finite=finite)[()]


class StateGroup:
    """Several named stateful components persisted as one state.

    Names of the children's entries are prefixed with the child's name and a dot, so
    an app's enrollment index, background statistics and guard memory share one blob.

    Parameters
    ----------
    **children
        Stateful components by name (names without dots).
    """

    def __init__(self, **children: Any) -> None:
        for key in children:
            if GROUP_SEPARATOR in key:
                raise ValueError(f"StateGroup child names cannot contain {GROUP_SEPARATOR!r}: {key!r}")
        self.children = dict(children)

    def __getitem__(self, key: str) -> Any:
        return self.children[key]

    def state_dict(self) -> dict[str, Any]:
        """Union of the children's states, each name prefixed with its child's name."""
        out: dict[str, Any] = {}
        for key, child in self.children.items():
            for name, value in child.state_dict().items():
                out[f"{key}{GROUP_SEPARATOR}{name}"] = value
        return out

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Split ``state`` by prefix and load each part into its child.

        Every child is checked before any is changed, so a bad state changes nothing.
        """
        parts: dict[str, dict[str, Any]] = {key: {} for key in self.children}
        for name, value in state.items():
            key, sep, rest = name.partition(GROUP_SEPARATOR)
            if not sep or key not in parts:
                raise StateMismatchError(
                    f"StateGroup: state entry {name!r} belongs to no child of {sorted(self.children)}; "
                    "the state was saved by another configuration"
                )
            parts[key][rest] = value
        backups = {key: child.state_dict() for key, child in self.children.items()}
        try:
            for key, child in self.children.items():
                child.load_state_dict(parts[key])
        except Exception:
            for key, child in self.children.items():
                child.load_state_dict(backups[key])
            raise
