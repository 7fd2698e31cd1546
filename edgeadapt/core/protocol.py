"""The one protocol every stateful component follows, with mutation tracking it owns.

A stateful component derives from :class:`Stateful` and offers ``state_dict()`` (a flat
mapping of names to numpy arrays, numpy scalars, ``bytes`` or ``str``) and
``load_state_dict(state)``. Every method that changes what ``state_dict()`` returns is a
*mutator*:

- ``@mutator`` marks a method that always changes the state (``update``, ``select`` of a
  policy that draws random numbers, ``add_arm`` ...);
- ``@conditional_mutator`` marks a method that changes the state only sometimes (a guard
  that remembers a detection, a labeller that keeps a pending near miss); it calls
  ``self._touch()`` when it does;
- ``load_state_dict`` and ``__iadd__`` are mutators without being marked.

Tracking starts when the component is first observed: its ``version`` read, a listener
subscribed, or the component adopted as a part. From then on its mutators are wrapped (in
the instance, so a component nobody observes runs at full speed) and, when the outermost
mutator returns, the component's :attr:`Stateful.version` moves and its listeners are told, then its parent's (a composite that :meth:`Stateful.adopt` ed it)
and so on up. :class:`~edgeadapt.state.Persistent` is such a listener: it saves
whatever path the change took, a method of the component, a method of a child reached
through an attribute (``app.index.add(...)``), or ``a += b``. A mutator that calls other
mutators, of its own or of its parts, reports one change, when it returns. (A bound method
taken *before* the first observation, ``f = c.update``, stays untracked: take it after.)

Examples
--------
>>> import numpy as np
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
>>> group = StateGroup(left=Counter(), right=Counter())
>>> seen = []
>>> group.subscribe(lambda node: seen.append(node.version))
>>> group["left"].update(2)
>>> sorted(group.state_dict().items()), seen
([('left.n', np.int64(2)), ('right.n', np.int64(0))], [1])
"""

from __future__ import annotations

import copy
import functools
import sys
import weakref
from typing import Any, Callable, ClassVar, Iterable, Mapping, TypeVar

import numpy as np

from ..errors import NonFiniteStateError, StateMismatchError

__all__ = [
    "Stateful",
    "StateGroup",
    "mutator",
    "conditional_mutator",
    "is_mutator",
    "registered_classes",
    "expect_keys",
    "expect_array",
    "expect_scalar",
    "component_name",
    "GROUP_SEPARATOR",
    "parts_state",
    "load_parts_state",
]

#: Separates a part's name from its entries' names in a composite's state.
GROUP_SEPARATOR = "."

# Bookkeeping lives in the instance dict under these names, so that subclasses need not
# call ``Stateful.__init__`` and ``state_dict`` never sees it.
_VERSION = "_ea_version"
_DEPTH = "_ea_depth"
_DIRTY = "_ea_dirty"
_LISTENERS = "_ea_listeners"
_PARENT = "_ea_parent"
_PARTS = "_ea_parts"
_TRACKED = "_ea_tracked"
_MUTATOR_FLAG = "_ea_mutator"
_ALWAYS = "always"
_CONDITIONAL = "conditional"
# Methods Python looks up on the type, never on the instance: wrapped in the class.
_TYPE_ONLY = ("__iadd__",)

F = TypeVar("F", bound=Callable[..., Any])

_registry: dict[str, type] = {}


def _notify(node: "Stateful") -> None:
    """Tell the listeners of ``node`` and of its ancestors that the state changed.

    If an ancestor is itself inside a mutator, it reports the change when it returns.
    """
    chain = [node]
    ref = node.__dict__.get(_PARENT)
    cur = ref() if ref is not None else None
    while cur is not None:
        d = cur.__dict__
        if d.get(_DEPTH, 0) > 0:
            d[_DIRTY] = True
            return
        chain.append(cur)
        ref = d.get(_PARENT)
        cur = ref() if ref is not None else None
    for member in chain:
        for callback in tuple(member.__dict__.get(_LISTENERS, ())):
            callback(member)


def _finish(self: Any, d: dict) -> None:
    """Outermost mutator returned: bump the version and notify if anything changed."""
    if d.get(_DIRTY):
        d[_DIRTY] = False
        d[_VERSION] = d.get(_VERSION, 0) + 1
        if _LISTENERS in d or _PARENT in d:
            _notify(self)


def _run(self: Any, d: dict, method: Callable[..., Any], always: bool, args: tuple, kwargs: dict) -> Any:
    depth = d.get(_DEPTH, 0)
    d[_DEPTH] = depth + 1
    try:
        result = method(self, *args, **kwargs)
        if always:
            d[_DIRTY] = True
    finally:
        d[_DEPTH] = depth
        if depth == 0:
            _finish(self, d)
    return result


def _tracked_method(self: Any, method: Callable[..., Any], always: bool) -> Callable[..., Any]:
    """A bound wrapper of ``method`` for one tracked instance."""
    d = self.__dict__

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return _run(self, d, method, always, args, kwargs)

    functools.update_wrapper(wrapper, method)
    wrapper.__wrapped__ = method.__get__(self, type(self))  # type: ignore[attr-defined]
    return wrapper


def _class_wrapper(method: F, always: bool) -> F:
    """For methods Python looks up on the type only (``__iadd__``): track when tracked."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        d = self.__dict__
        if _TRACKED not in d:
            return method(self, *args, **kwargs)
        return _run(self, d, method, always, args, kwargs)

    setattr(wrapper, _MUTATOR_FLAG, _ALWAYS if always else _CONDITIONAL)
    return wrapper  # type: ignore[return-value]


def mutator(method: F) -> F:
    """Mark a method that changes the state: the version moves when it returns.

    A method that raises is expected to leave the state as it was (the conformance
    suite checks that), so the version moves only on a normal return. Marking costs
    nothing until someone observes the component (reads its ``version``, subscribes,
    or adopts it as a part): only then are its mutators tracked.

    Examples
    --------
    >>> class Tally(Stateful):
    ...     def __init__(self): self.n = 0
    ...     @mutator
    ...     def add(self): self.n += 1
    >>> t = Tally(); t.version
    0
    >>> t.add(); t.add(); t.version
    2
    """
    setattr(method, _MUTATOR_FLAG, _ALWAYS)
    return method


def conditional_mutator(method: F) -> F:
    """Mark a method that changes the state only when it calls ``self._touch()``.

    For stream processors that change their memory on some inputs only, so that a
    persisted component is not saved after every frame that changed nothing.

    Examples
    --------
    >>> class Peak(Stateful):
    ...     def __init__(self): self.top = 0.0
    ...     @conditional_mutator
    ...     def observe(self, x):
    ...         if x > self.top:
    ...             self.top = x
    ...             self._touch()
    >>> p = Peak(); p.version
    0
    >>> p.observe(1.0); p.observe(0.5); p.version
    1
    """
    setattr(method, _MUTATOR_FLAG, _CONDITIONAL)
    return method


def is_mutator(method: Any) -> bool:
    """True if ``method`` is marked as changing the state.

    Examples
    --------
    >>> is_mutator(StateGroup.load_state_dict), is_mutator(StateGroup.state_dict)
    (True, False)
    """
    return bool(getattr(method, _MUTATOR_FLAG, False))


def registered_classes() -> list[type]:
    """Every concrete :class:`Stateful` class defined at module level so far, by name.

    Classes defined inside functions or doctests are left out: only classes reachable
    as an attribute of their module count. Import the packages first to see them all.

    Examples
    --------
    >>> StateGroup in registered_classes()
    True
    """
    out = []
    for key in sorted(_registry):
        cls = _registry[key]
        module = sys.modules.get(cls.__module__)
        if module is not None and getattr(module, cls.__qualname__, None) is cls:
            out.append(cls)
    return out


class Stateful:
    """Base of every component whose whole adaptive state is a flat mapping of arrays.

    Subclasses implement ``state_dict`` and ``load_state_dict`` and mark their mutating
    methods (see the module docstring). A composite lists its stateful parts with
    :meth:`adopt`, so that their changes are its changes and its version is the sum
    of theirs and its own.

    Class keyword ``abstract=True`` keeps a base class out of :func:`registered_classes`.

    Examples
    --------
    >>> class Box(Stateful):
    ...     def __init__(self): self.v = 0
    ...     @mutator
    ...     def put(self, v): self.v = v
    >>> b = Box(); b.version, (b.put(3), b.version)[1]
    (0, 1)
    """

    #: Names of the marked methods (True: always a change; False: conditional), by class.
    _ea_mutators: ClassVar[dict[str, bool]] = {}

    def __init_subclass__(cls, abstract: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in ("load_state_dict",) + _TYPE_ONLY:
            method = cls.__dict__.get(name)
            if callable(method) and not is_mutator(method):
                setattr(cls, name, _class_wrapper(method, True) if name in _TYPE_ONLY else mutator(method))
        marked: dict[str, bool] = {}
        for klass in reversed(cls.__mro__):
            for name, value in vars(klass).items():
                kind = getattr(value, _MUTATOR_FLAG, None)
                if kind and name not in _TYPE_ONLY:
                    marked[name] = kind == _ALWAYS
        cls._ea_mutators = marked
        if not abstract:
            _registry[f"{cls.__module__}.{cls.__qualname__}"] = cls

    def _track(self) -> None:
        """Start tracking: from now on every mutator of this instance moves the version."""
        d = self.__dict__
        if _TRACKED in d:
            return
        d[_TRACKED] = True
        cls = type(self)
        for name, always in cls._ea_mutators.items():
            d[name] = _tracked_method(self, getattr(cls, name), always)

    # ------------------------------------------------------------------ protocol
    def state_dict(self) -> dict[str, Any]:
        """Return the state as a new flat mapping (no references into the component)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement state_dict")

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Replace the state, after checking names, shapes, dtypes and finiteness."""
        raise NotImplementedError(f"{type(self).__name__} does not implement load_state_dict")

    # ------------------------------------------------------------------ tracking
    @property
    def version(self) -> int:
        """A counter that moves whenever the state changes (own changes plus the parts').

        Examples
        --------
        >>> StateGroup().version
        0
        """
        self._track()
        d = self.__dict__
        v = d.get(_VERSION, 0)
        for part in d.get(_PARTS, {}).values():
            v += part.version
        return v

    def _touch(self) -> None:
        """Record that the state changed (inside a conditional mutator, or on its own)."""
        d = self.__dict__
        if _TRACKED not in d:
            return
        d[_DIRTY] = True
        if d.get(_DEPTH, 0) == 0:
            _finish(self, d)

    def subscribe(self, callback: Callable[["Stateful"], None]) -> None:
        """Call ``callback(component)`` after each change of this component or its parts.

        Examples
        --------
        >>> g = StateGroup(); g.subscribe(print); g.unsubscribe(print)
        """
        self._track()
        self.__dict__.setdefault(_LISTENERS, []).append(callback)

    def unsubscribe(self, callback: Callable[["Stateful"], None]) -> None:
        """Stop calling ``callback``; unknown callbacks are ignored."""
        listeners = self.__dict__.get(_LISTENERS, [])
        if callback in listeners:
            listeners.remove(callback)
        if not listeners:
            self.__dict__.pop(_LISTENERS, None)

    def adopt(self, **parts: "Stateful") -> None:
        """Make ``parts`` (by name) part of this component for change tracking.

        A part belongs to one composite at a time; adopting a new part under an old
        name releases the old one (the version still only moves forward).

        Examples
        --------
        >>> g = StateGroup(); g.adopt(extra=StateGroup()); sorted(g.parts())
        ['extra']
        """
        self._track()
        d = self.__dict__
        mine = d.setdefault(_PARTS, {})
        for name, part in parts.items():
            if not isinstance(part, Stateful):
                raise TypeError(
                    f"{component_name(self)}: part {name!r} is a {type(part).__name__}, not a Stateful; "
                    "derive it from edgeadapt.core.Stateful"
                )
            if GROUP_SEPARATOR in name or not name:
                raise ValueError(f"{component_name(self)}: part names must be non-empty and without {GROUP_SEPARATOR!r}: {name!r}")
            ref = part.__dict__.get(_PARENT)
            owner = ref() if ref is not None else None
            if owner is not None and owner is not self:
                raise ValueError(
                    f"{component_name(self)}: part {name!r} already belongs to a {component_name(owner)}; "
                    "give each composite its own part"
                )
            old = mine.get(name)
            if old is not None and old is not part:
                old.__dict__.pop(_PARENT, None)
                d[_VERSION] = d.get(_VERSION, 0) + old.version + 1
            part._track()
            part.__dict__[_PARENT] = weakref.ref(self)
            mine[name] = part

    def parts(self) -> dict[str, "Stateful"]:
        """The adopted parts by name (a new dict)."""
        return dict(self.__dict__.get(_PARTS, {}))

    def __deepcopy__(self, memo: dict[int, Any]) -> "Stateful":
        """A new, unobserved component with a deep copy of this one's attributes.

        The copy has no listeners and no parent, and its methods are the class's (a
        tracked original's wrapped methods stay with the original), so changing the copy
        never saves, notifies or changes the original (attributes named ``_ea_...`` are
        tracking and wiring, and are not copied): what an update gate applies a
        proposed update to (a *candidate*). Parts are adopted again by the copy.

        Examples
        --------
        >>> import copy
        >>> from edgeadapt.learn import Moments
        >>> a = StateGroup(m=Moments(1)); a.subscribe(print)
        >>> b = copy.deepcopy(a); b["m"].update(1.0)          # prints nothing
        >>> a["m"].state_dict()["count"], b["m"].state_dict()["count"]
        (np.float64(0.0), np.float64(1.0))
        """
        cls = type(self)
        new = cls.__new__(cls)
        memo[id(self)] = new
        d = self.__dict__
        tracked = _TRACKED in d
        for key, value in d.items():
            if key.startswith("_ea_") or (tracked and key in cls._ea_mutators):
                continue
            new.__dict__[key] = copy.deepcopy(value, memo)
        parts = d.get(_PARTS)
        if parts:
            new.adopt(**{name: copy.deepcopy(part, memo) for name, part in parts.items()})
        return new


def component_name(component: Any) -> str:
    """Name of a component's class, used in error messages and blob metadata.

    Examples
    --------
    >>> component_name(StateGroup())
    'StateGroup'
    """
    return type(component).__name__


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
    state : mapping
        The state being loaded.
    name : str
        Entry to check.
    shape : tuple
        Expected shape; ``None`` matches any length on that axis.
    dtype : dtype-like
        Expected dtype (same kind and size).
    component : object or str
        Named in the error message.
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


def expect_scalar(state: Mapping[str, Any], name: str, dtype: Any, component: Any, *, finite: bool = True) -> Any:
    """Return ``state[name]`` as a numpy scalar of ``dtype`` after checking it.

    Examples
    --------
    >>> import numpy as np
    >>> float(expect_scalar({"t": np.float64(0.5)}, "t", np.float64, "Gate"))
    0.5
    """
    return expect_array(state, name, (), dtype, component, finite=finite)[()]


def parts_state(parts: Mapping[str, Stateful]) -> dict[str, Any]:
    """The union of ``parts``' states, each entry prefixed with its part's name and a dot.

    What a composite's ``state_dict`` returns for its parts; see :class:`StateGroup`.

    Examples
    --------
    >>> sorted(parts_state({"a": StateGroup(), "b": StateGroup()}))
    []
    """
    out: dict[str, Any] = {}
    for key, part in parts.items():
        for name, value in part.state_dict().items():
            out[f"{key}{GROUP_SEPARATOR}{name}"] = value
    return out


def load_parts_state(parts: Mapping[str, Stateful], state: Mapping[str, Any], component: Any) -> None:
    """Split ``state`` by prefix and load each part; a bad state changes no part.

    Examples
    --------
    >>> load_parts_state({"a": StateGroup()}, {"x.n": 1}, "Demo")
    Traceback (most recent call last):
    ...
    edgeadapt.errors.StateMismatchError: Demo: state entry 'x.n' belongs to no part of ['a']; the state was saved by another configuration
    """
    split: dict[str, dict[str, Any]] = {key: {} for key in parts}
    for name, value in state.items():
        key, sep, rest = name.partition(GROUP_SEPARATOR)
        if not sep or key not in split:
            raise StateMismatchError(
                f"{_where(component)}: state entry {name!r} belongs to no part of {sorted(parts)}; "
                "the state was saved by another configuration"
            )
        split[key][rest] = value
    backups = {key: part.state_dict() for key, part in parts.items()}
    try:
        for key, part in parts.items():
            part.load_state_dict(split[key])
    except Exception:
        for key, part in parts.items():
            part.load_state_dict(backups[key])
        raise


class StateGroup(Stateful):
    """Several named stateful components persisted as one state.

    Names of the children's entries are prefixed with the child's name and a dot, so
    an app's enrollment index, background statistics and guard memory share one blob.
    A change made through a child (``group["a"].update(...)``) is a change of the group.

    Parameters
    ----------
    **children
        Stateful components by name (names without dots).

    Examples
    --------
    >>> g = StateGroup(a=StateGroup()); sorted(g.children)
    ['a']
    """

    def __init__(self, **children: Stateful) -> None:
        self.adopt(**children)

    @property
    def children(self) -> dict[str, Stateful]:
        """The children by name (a new dict)."""
        return self.parts()

    def __getitem__(self, key: str) -> Stateful:
        return self.__dict__.get(_PARTS, {})[key]

    def __iadd__(self, other: "StateGroup") -> "StateGroup":
        """Merge child by child (each child's own ``+=``); the groups must have the same children.

        Examples
        --------
        >>> g = StateGroup(); g += StateGroup(); g.children
        {}
        """
        mine, theirs = self.__dict__.get(_PARTS, {}), getattr(other, "__dict__", {}).get(_PARTS)
        if not isinstance(other, StateGroup) or theirs is None or sorted(theirs) != sorted(mine):
            raise TypeError(f"{component_name(self)}: can only merge a StateGroup with the same children")
        for key, child in mine.items():
            merged = child
            merged += theirs[key]
            if merged is not child:
                raise TypeError(f"{component_name(self)}: child {key!r} does not merge in place")
        return self

    def state_dict(self) -> dict[str, Any]:
        """Union of the children's states, each name prefixed with its child's name."""
        return parts_state(self.__dict__.get(_PARTS, {}))

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Split ``state`` by prefix and load each part into its child.

        Every child is checked before any is changed, so a bad state changes nothing.
        """
        load_parts_state(self.__dict__.get(_PARTS, {}), state, self)
