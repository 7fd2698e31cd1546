"""Orthogonal persistence: save a component after it changes, without it knowing.

:class:`Persistent` wraps any :class:`~edgeadapt.core.Stateful` component and listens to
its changes: whenever the component's :attr:`~edgeadapt.core.Stateful.version` moves (a
``@mutator`` of the component returned, or of one of its parts, reached through any
path), the wrapper asks its :class:`WritePolicy` whether to write the state to the
store. Attribute access passes straight to the component.

Examples
--------
>>> import numpy as np, tempfile, os
>>> from edgeadapt.core import Stateful, StateGroup, mutator
>>> class Counter(Stateful):
...     def __init__(self): self.n = 0
...     @mutator
...     def update(self): self.n += 1
...     def state_dict(self): return {"n": np.int64(self.n)}
...     def load_state_dict(self, s): self.n = int(s["n"])
>>> path = os.path.join(tempfile.mkdtemp(), "counter.ea")
>>> with persist(Counter(), path) as c:
...     c.update(); c.update()
>>> persist(Counter(), path).n
2
>>> gpath = os.path.join(tempfile.mkdtemp(), "group.ea")
>>> g = persist(StateGroup(a=Counter(), b=Counter()), gpath)
>>> g["a"].update()          # a change through a child is saved too
>>> g.pending, persist(StateGroup(a=Counter(), b=Counter()), gpath)["a"].n
(0, 1)
"""

from __future__ import annotations

import atexit
from abc import ABC, abstractmethod
import os
import time
from typing import Any, Callable

from ..errors import StateMismatchError
from ..core.protocol import Stateful, component_name
from .store import FileStore, SlotStore

__all__ = ["WritePolicy", "EveryUpdate", "Coalesced", "Persistent", "persist", "COMPONENT_KEY"]

COMPONENT_KEY = "__component__"


class WritePolicy(ABC):
    """Decides after each update whether the pending state is written now."""

    @abstractmethod
    def should_write(self, pending_updates: int, seconds_since_write: float) -> bool:
        """Return True to write now."""
        raise NotImplementedError


class EveryUpdate(WritePolicy):
    """Write after every update: the update is durable when the call returns.

    Examples
    --------
    >>> EveryUpdate().should_write(1, 0.0)
    True
    """

    def should_write(self, pending_updates: int, seconds_since_write: float) -> bool:
        return pending_updates > 0


class Coalesced(WritePolicy):
    """Write at most once per ``max_updates`` updates unless ``max_seconds`` have passed.

    At most ``max_updates - 1`` updates, or the updates of the last ``max_seconds``,
    are at risk in a power cut; close and interpreter exit always write. This spares
    flash that wears with every erase.

    Parameters
    ----------
    max_updates : int
        Write once this many updates are pending.
    max_seconds : float
        Write at the next update once this long has passed since the last write.

    Examples
    --------
    >>> p = Coalesced(max_updates=10, max_seconds=60.0)
    >>> p.should_write(3, 5.0), p.should_write(10, 5.0), p.should_write(1, 61.0)
    (False, True, True)
    """

    def __init__(self, max_updates: int = 100, max_seconds: float = 60.0) -> None:
        self.max_updates = max_updates
        self.max_seconds = max_seconds

    def should_write(self, pending_updates: int, seconds_since_write: float) -> bool:
        if pending_updates <= 0:
            return False
        return pending_updates >= self.max_updates or seconds_since_write >= self.max_seconds


# Open wrappers are held until closed, so that pending updates are written at exit
# even when the program dropped its last reference without closing.
_open_wrappers: dict[int, "Persistent"] = {}


@atexit.register
def _flush_all_at_exit() -> None:
    for wrapper in list(_open_wrappers.values()):
        wrapper.close()


class Persistent:
    """A component whose state is saved to a store after it changes.

    Parameters
    ----------
    component : Stateful
        The wrapped component. Its current state is the factory state of a new store.
    store : SlotStore
        Where the state lives. If it holds a state, that state is loaded into
        ``component`` (after the component's own checks) before anything else.
    policy : WritePolicy, optional
        When to write; :class:`EveryUpdate` by default.
    clock : callable, optional
        Monotonic seconds, for :class:`Coalesced` (``time.monotonic``).

    Notes
    -----
    The wrapper subscribes to the component, so a change made on the component itself,
    on one of its parts or through this wrapper is saved alike. A state of another
    component class is refused with ``StateMismatchError``, and a state the component
    refuses leaves the store untouched.
    """

    def __init__(
        self,
        component: Any,
        store: SlotStore,
        policy: WritePolicy | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not isinstance(component, Stateful):
            raise TypeError(
                f"{store.name}: a {type(component).__name__} cannot be persisted: derive it from "
                "edgeadapt.core.Stateful and mark its mutating methods with @mutator"
            )
        object.__setattr__(self, "_component", component)
        object.__setattr__(self, "_store", store)
        object.__setattr__(self, "_policy", policy or EveryUpdate())
        object.__setattr__(self, "_clock", clock)
        object.__setattr__(self, "_pending", 0)
        object.__setattr__(self, "_closed", False)
        state = store.load()
        if state is None:
            store.create(self._tagged_state())
        else:
            self._load_into_component(state)
        object.__setattr__(self, "_saved_version", component.version)
        object.__setattr__(self, "_last_write", clock())
        component.subscribe(self._on_change)
        _open_wrappers[id(self)] = self

    # ------------------------------------------------------------- internals
    def _tagged_state(self) -> dict[str, Any]:
        state = dict(self._component.state_dict())
        state[COMPONENT_KEY] = component_name(self._component)
        return state

    def _load_into_component(self, state: dict[str, Any]) -> None:
        saved_as = state.pop(COMPONENT_KEY, None)
        expected = component_name(self._component)
        if saved_as is not None and saved_as != expected:
            raise StateMismatchError(
                f"{self._store.name}: holds the state of a {saved_as}, not of a {expected}; "
                "open it with a matching component or use another file"
            )
        self._component.load_state_dict(state)

    def _on_change(self, _component: Any) -> None:
        if self._closed:
            return
        object.__setattr__(self, "_pending", self._pending + 1)
        if self._policy.should_write(self._pending, self._clock() - self._last_write):
            self.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._component, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._component, name, value)

    def __iadd__(self, other: Any) -> "Persistent":
        other_component = other.component if isinstance(other, Persistent) else other
        component = self._component
        component += other_component
        return self

    def __getitem__(self, key: Any) -> Any:
        return self._component[key]

    def __len__(self) -> int:
        return len(self._component)

    def __repr__(self) -> str:
        return f"Persistent({self._component!r}, store={self._store.name!r})"

    # ------------------------------------------------------------- public API
    @property
    def component(self) -> Any:
        """The wrapped component (its changes are saved as if made through the wrapper)."""
        return self._component

    @property
    def store(self) -> SlotStore:
        """The store the state is saved to."""
        return self._store

    @property
    def pending(self) -> int:
        """Changes made since the last write."""
        return self._pending

    @property
    def dirty(self) -> bool:
        """True if the component changed since its state was last written or loaded."""
        return self._component.version != self._saved_version

    def flush(self) -> int:
        """Write the current state now; return its sequence number."""
        if self._closed:
            raise RuntimeError(f"{self._store.name}: this persistent component is closed")
        version = self._component.version
        seq = self._store.save(self._tagged_state())
        object.__setattr__(self, "_pending", 0)
        object.__setattr__(self, "_saved_version", version)
        object.__setattr__(self, "_last_write", self._clock())
        return seq

    def factory_reset(self) -> None:
        """Go back to the factory state, durably. Always works while the store's header holds."""
        state = self._store.factory()
        self._load_into_component(state)
        if self.dirty or self._pending:
            self.flush()

    def close(self) -> None:
        """Write pending changes and release the store. Safe to call twice."""
        if self._closed:
            return
        try:
            if self.dirty:
                self.flush()
        finally:
            self._component.unsubscribe(self._on_change)
            self._store.close()
            object.__setattr__(self, "_closed", True)
            _open_wrappers.pop(id(self), None)

    def __enter__(self) -> "Persistent":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def persist(
    component: Any,
    store: SlotStore | str | os.PathLike[str],
    policy: WritePolicy | None = None,
    **store_options: Any,
) -> Persistent:
    """Wrap ``component`` so that its state lives in ``store`` (a path or a store).

    Parameters
    ----------
    component : Stateful
    store : SlotStore or path
        A path makes a :class:`FileStore` with ``store_options``.
    policy : WritePolicy, optional

    Returns
    -------
    Persistent
    """
    if not isinstance(store, SlotStore):
        store = FileStore(store, **store_options)
    return Persistent(component, store, policy)
