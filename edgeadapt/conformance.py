"""Conformance checks every stateful component can be run through.

Each check takes a ``factory`` (a no-argument callable returning a fresh component)
and data, and raises :class:`ConformanceError` (an ``AssertionError``) naming the
component and what differs. :func:`check_all` runs every check that applies to a
:class:`Case`. The checks:

- :func:`check_roundtrip`: state → blob → fresh component → blob is byte-identical.
- :func:`check_merge`: ``a += b`` over two halves equals one pass over both.
- :func:`check_batch`: the ``update`` loop equals ``update_many``.
- :func:`check_seeded`: the same seed gives the same decisions, also across a reload.
- :func:`check_bad_input`: bad arguments raise ``ValueError`` and change nothing.
- :func:`check_bad_state`: damaged states raise ``StateError`` and change nothing.
- :func:`check_update_returns_none` and :func:`check_pure`: updates return ``None``;
  queries leave the state as it was.
- :func:`check_version_tracking`: every public method is called; one that changes the
  state must move :attr:`~edgeadapt.core.Stateful.version` (be a ``@mutator``), one that
  moves the version must have changed the state.
- :func:`check_restart`: a persisted component's state survives a restart (a second
  component opened on the same file) and both go on identically.

:func:`uncovered_classes` lists the :class:`~edgeadapt.core.Stateful` classes that no
case covers, so that a suite fails when a component is added without one.

Examples
--------
>>> import numpy as np
>>> from edgeadapt.learn import Moments
>>> rows = [(np.array([float(i), 2.0 * i]),) for i in range(10)]
>>> case = Case("Moments", lambda: Moments(2), rows, batch=lambda u: (np.stack([r[0] for r in u]),),
...             bad_updates=[(np.array([np.nan, 0.0]),), (np.zeros(3),)])
>>> check_all(case)
['update_returns_none', 'roundtrip', 'batch', 'merge', 'bad_input', 'bad_state', 'version_tracking', 'restart']
"""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import tempfile
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from .core.protocol import Stateful, registered_classes
from .errors import StateError
from .state.blob import decode_blob, encode_blob
from .state.persist import persist

__all__ = [
    "ConformanceError",
    "Case",
    "DEFAULT_RTOL",
    "DEFAULT_ATOL",
    "compare_states",
    "check_roundtrip",
    "check_merge",
    "check_batch",
    "check_seeded",
    "check_bad_input",
    "check_bad_state",
    "check_update_returns_none",
    "check_pure",
    "check_version_tracking",
    "check_restart",
    "check_all",
    "public_methods",
    "uncovered_classes",
    "import_all",
]

# Methods of the protocol itself, which the version-tracking check does not call.
PROTOCOL_METHODS = frozenset({"state_dict", "load_state_dict", "subscribe", "unsubscribe", "adopt", "parts"})

# Merge and batch results may differ from the loop by rounding only: relative error
# of a few hundred ulps on sums of ~1e3 terms, with an absolute floor for zeros.
DEFAULT_RTOL = 1e-9
DEFAULT_ATOL = 1e-12


class ConformanceError(AssertionError):
    """A component does not follow the state protocol; the message says where.

    Examples
    --------
    >>> issubclass(ConformanceError, AssertionError)
    True
    """


def _name(component: Any) -> str:
    return type(component).__name__


def _feed(component: Any, updates: Sequence[tuple], method: str | Callable[..., Any] = "update") -> None:
    if callable(method):
        for args in updates:
            _exhaust(method(component, *args))
        return
    feed = getattr(component, method)
    for args in updates:
        _exhaust(feed(*args))


def _exhaust(result: Any) -> Any:
    """Run a lazy result (a generator of detections, say) to its end."""
    if inspect.isgenerator(result):
        return list(result)
    return result


def compare_states(
    a: Mapping[str, Any],
    b: Mapping[str, Any],
    *,
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
    ignore: Sequence[str] = (),
    what: str = "states",
) -> None:
    """Raise :class:`ConformanceError` unless two states match (numbers to a tolerance).

    Examples
    --------
    >>> compare_states({"x": np.ones(2)}, {"x": np.ones(2) + 1e-15})
    >>> compare_states({"x": np.ones(2)}, {"x": np.zeros(2)}, what="demo")
    Traceback (most recent call last):
    ...
    edgeadapt.conformance.ConformanceError: demo: entry 'x' differs (max abs diff 1, rtol 1e-09, atol 1e-12)
    """
    keys_a = set(a) - set(ignore)
    keys_b = set(b) - set(ignore)
    if keys_a != keys_b:
        raise ConformanceError(f"{what}: entry names differ: {sorted(keys_a ^ keys_b)}")
    for key in sorted(keys_a):
        x, y = a[key], b[key]
        if isinstance(x, (bytes, str)) or isinstance(y, (bytes, str)):
            if x != y:
                raise ConformanceError(f"{what}: entry {key!r} differs")
            continue
        x, y = np.asarray(x), np.asarray(y)
        if x.shape != y.shape or x.dtype != y.dtype:
            raise ConformanceError(f"{what}: entry {key!r} has shape/dtype {x.shape}/{x.dtype} vs {y.shape}/{y.dtype}")
        if x.dtype.kind == "f":
            if not np.allclose(x, y, rtol=rtol, atol=atol, equal_nan=True):
                diff = float(np.max(np.abs(x - y)))
                raise ConformanceError(f"{what}: entry {key!r} differs (max abs diff {diff:.3g}, rtol {rtol:g}, atol {atol:g})")
        elif not np.array_equal(x, y):
            raise ConformanceError(f"{what}: entry {key!r} differs")


def check_roundtrip(factory: Callable[[], Any], updates: Sequence[tuple], method: str | Callable[..., Any] = "update") -> None:
    """State → blob → fresh component → blob gives identical bytes, and ``state_dict`` copies.

    Examples
    --------
    >>> from edgeadapt.learn import Moments
    >>> check_roundtrip(lambda: Moments(1), [(1.0,), (2.0,)])
    """
    comp = factory()
    _feed(comp, updates, method)
    blob = encode_blob(comp.state_dict())
    fresh = factory()
    fresh.load_state_dict(decode_blob(blob))
    again = encode_blob(fresh.state_dict())
    if again != blob:
        raise ConformanceError(f"{_name(comp)}: state round-trip through the blob is not byte-identical")
    state = comp.state_dict()
    for value in state.values():
        if isinstance(value, np.ndarray) and value.size:
            value.reshape(-1)[0] = value.reshape(-1)[0] + 1 if value.dtype.kind in "iuf" else value.reshape(-1)[0]
    if encode_blob(comp.state_dict()) != blob:
        raise ConformanceError(f"{_name(comp)}: state_dict returns arrays that alias the component's state")


def check_merge(
    factory: Callable[[], Any],
    updates: Sequence[tuple],
    *,
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
    ignore: Sequence[str] = (),
    method: str | Callable[..., Any] = "update",
) -> None:
    """``a += b`` (a saw the first half, b the second) equals one component that saw both.

    Examples
    --------
    >>> from edgeadapt.learn import Moments
    >>> check_merge(lambda: Moments(1), [(float(i),) for i in range(9)])
    """
    half = len(updates) // 2
    a, b, whole = factory(), factory(), factory()
    _feed(a, updates[:half], method)
    _feed(b, updates[half:], method)
    _feed(whole, updates, method)
    b_before = encode_blob(b.state_dict())
    a += b
    if encode_blob(b.state_dict()) != b_before:
        raise ConformanceError(f"{_name(a)}: a += b changed b")
    compare_states(a.state_dict(), whole.state_dict(), rtol=rtol, atol=atol, ignore=ignore, what=f"{_name(a)} merge vs one pass")


def check_batch(
    factory: Callable[[], Any],
    updates: Sequence[tuple],
    batch: Callable[[Sequence[tuple]], tuple],
    *,
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
) -> None:
    """``update_many(*batch(updates))`` gives the state of the ``update`` loop (in two chunks too).

    Examples
    --------
    >>> from edgeadapt.learn import Moments
    >>> check_batch(lambda: Moments(1), [(float(i),) for i in range(9)], lambda u: ([r[0] for r in u],))
    """
    loop, once, twice = factory(), factory(), factory()
    _feed(loop, updates)
    if once.update_many(*batch(updates)) is not None:
        raise ConformanceError(f"{_name(once)}: update_many returned a value; it must return None")
    half = len(updates) // 2
    twice.update_many(*batch(updates[:half]))
    twice.update_many(*batch(updates[half:]))
    what = f"{_name(loop)} update loop vs update_many"
    compare_states(loop.state_dict(), once.state_dict(), rtol=rtol, atol=atol, what=what)
    compare_states(loop.state_dict(), twice.state_dict(), rtol=rtol, atol=atol, what=what + " in two batches")


def check_seeded(factory: Callable[[], Any], run: Callable[[Any, int, int], list], steps: int = 200) -> None:
    """Two components from ``factory`` make the same decisions, also after a reload midway.

    Parameters
    ----------
    run : callable
        ``run(component, start, stop)`` plays rounds ``start..stop-1`` (decide, then
        update with a reward that depends only on the round and the decision) and
        returns the decisions.

    Examples
    --------
    >>> from edgeadapt.bandit import EpsilonGreedy
    >>> def run(p, start, stop):
    ...     out = []
    ...     for t in range(start, stop):
    ...         a = p.select(); p.update(a, float((a + t) % 3 == 0)); out.append(a)
    ...     return out
    >>> check_seeded(lambda: EpsilonGreedy(4, epsilon=0.3, seed=5), run)
    """
    first, second = factory(), factory()
    d1 = run(first, 0, steps)
    d2 = run(second, 0, steps)
    if d1 != d2:
        raise ConformanceError(f"{_name(first)}: the same seed gave different decisions")
    half = steps // 2
    original = factory()
    run(original, 0, half)
    reloaded = factory()
    reloaded.load_state_dict(decode_blob(encode_blob(original.state_dict())))
    if run(original, half, steps) != run(reloaded, half, steps):
        raise ConformanceError(f"{_name(original)}: a reloaded component made different decisions (is the generator state saved?)")


def check_bad_input(
    factory: Callable[[], Any],
    updates: Sequence[tuple],
    bad_updates: Sequence[tuple],
    method: str = "update",
    feed: str | Callable[..., Any] = "update",
) -> None:
    """Each of ``bad_updates`` makes ``method`` raise ``ValueError`` and leaves the state unchanged.

    Examples
    --------
    >>> from edgeadapt.learn import Moments
    >>> check_bad_input(lambda: Moments(1), [(1.0,)], [(float("nan"),), ("x",)])
    """
    comp = factory()
    _feed(comp, updates, feed)
    before = encode_blob(comp.state_dict())
    for args in bad_updates:
        try:
            getattr(comp, method)(*args)
        except ValueError:
            pass
        else:
            raise ConformanceError(f"{_name(comp)}: {method}{_short(args)} did not raise ValueError")
        if encode_blob(comp.state_dict()) != before:
            raise ConformanceError(f"{_name(comp)}: {method}{_short(args)} raised but changed the state")


def _short(args: tuple) -> str:
    text = repr(args)
    return text if len(text) < 80 else text[:77] + "...)"


def check_bad_state(factory: Callable[[], Any], updates: Sequence[tuple], method: str | Callable[..., Any] = "update") -> None:
    """Missing, extra, reshaped and non-finite entries raise ``StateError``; nothing changes.

    Examples
    --------
    >>> from edgeadapt.learn import Moments
    >>> check_bad_state(lambda: Moments(2), [(np.ones(2),)])
    """
    comp = factory()
    _feed(comp, updates, method)
    good = comp.state_dict()
    before = encode_blob(good)
    damaged: list[tuple[str, dict]] = []
    first = sorted(good)[0]
    damaged.append((f"missing {first!r}", {k: v for k, v in good.items() if k != first}))
    damaged.append(("extra entry", {**good, "zz_unexpected": np.zeros(1)}))
    for key in sorted(good):
        value = good[key]
        if isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.size:
            bad = value.copy()
            bad.reshape(-1)[0] = np.nan
            damaged.append((f"NaN in {key!r}", {**good, key: bad}))
            damaged.append((f"reshaped {key!r}", {**good, key: np.concatenate([value.reshape(-1), [0.0]])}))
            break
    for what, state in damaged:
        try:
            comp.load_state_dict(state)
        except StateError:
            pass
        else:
            raise ConformanceError(f"{_name(comp)}: load_state_dict accepted a state with {what}")
        if encode_blob(comp.state_dict()) != before:
            raise ConformanceError(f"{_name(comp)}: load_state_dict refused a state with {what} but changed the component")


def check_update_returns_none(factory: Callable[[], Any], updates: Sequence[tuple]) -> None:
    """``update`` returns ``None``.

    Examples
    --------
    >>> from edgeadapt.learn import Moments
    >>> check_update_returns_none(lambda: Moments(1), [(1.0,)])
    """
    comp = factory()
    for args in updates:
        if comp.update(*args) is not None:
            raise ConformanceError(f"{_name(comp)}: update returned a value; it must return None")


def check_pure(factory: Callable[[], Any], updates: Sequence[tuple], queries: Sequence[Callable[[Any], Any]], method: str | Callable[..., Any] = "update") -> None:
    """Each query leaves the state byte-identical.

    Examples
    --------
    >>> from edgeadapt.learn import Moments
    >>> check_pure(lambda: Moments(1), [(1.0,)], [lambda m: m.variance(), lambda m: m.mean])
    """
    comp = factory()
    _feed(comp, updates, method)
    before = encode_blob(comp.state_dict())
    for query in queries:
        query(comp)
        if encode_blob(comp.state_dict()) != before:
            raise ConformanceError(f"{_name(comp)}: a query changed the state ({getattr(query, '__name__', query)})")


def public_methods(cls: type) -> list[str]:
    """Names of the public instance methods of ``cls`` (not the protocol's own).

    Examples
    --------
    >>> from edgeadapt.learn import Moments
    >>> public_methods(Moments)
    ['std', 'update', 'update_many', 'variance']
    """
    out = []
    for name in dir(cls):
        if name.startswith("_") or name in PROTOCOL_METHODS:
            continue
        attr = inspect.getattr_static(cls, name)
        if isinstance(attr, (staticmethod, classmethod, property)) or not inspect.isfunction(attr):
            continue
        out.append(name)
    return out


def _needs_arguments(method: Callable) -> bool:
    for param in inspect.signature(method).parameters.values():
        if param.default is param.empty and param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY):
            return True
    return False


def check_version_tracking(
    factory: Callable[[], Any],
    updates: Sequence[tuple],
    calls: Mapping[str, Sequence[tuple]] | None = None,
    method: str | Callable[..., Any] = "update",
    skip: Mapping[str, str] | None = None,
) -> list[str]:
    """Call every public method; the blob changes exactly when the version moves.

    Parameters
    ----------
    calls : mapping of str to sequence of tuple
        Positional arguments for the methods that need some (each tuple is one call).
        A public method that needs arguments and has no entry fails the check.
    skip : mapping of str to str
        Methods not called, each with the reason (I/O, a file path argument ...).

    Returns
    -------
    list of str
        The methods called.

    Examples
    --------
    >>> from edgeadapt.learn import Moments
    >>> check_version_tracking(lambda: Moments(1), [(1.0,), (2.0,)], {"update": [(3.0,)], "update_many": [([4.0],)]})
    ['std', 'update', 'update_many', 'variance']
    """
    calls = dict(calls or {})
    skip = dict(skip or {})
    comp = factory()
    if not isinstance(comp, Stateful):
        raise ConformanceError(f"{_name(comp)}: not a Stateful; derive it from edgeadapt.core.Stateful")
    comp.version  # observe from the start: tracking begins with the first observation
    _feed(comp, updates, method)
    done = []
    for name in public_methods(type(comp)):
        if name in skip:
            continue
        bound = getattr(comp, name)
        recipes = calls.get(name)
        if recipes is None:
            if _needs_arguments(bound):
                raise ConformanceError(
                    f"{_name(comp)}: public method {name}() needs arguments and the case gives none: "
                    "add it to the case's calls (or to skip, with the reason)"
                )
            recipes = [()]
        for args in recipes:
            blob, version = encode_blob(comp.state_dict()), comp.version
            _exhaust(bound(*args))
            changed = encode_blob(comp.state_dict()) != blob
            moved = comp.version != version
            if changed and not moved:
                raise ConformanceError(
                    f"{_name(comp)}: {name}{_short(args)} changed the state but not the version: mark it @mutator "
                    "(or call self._touch() in a @conditional_mutator)"
                )
            if moved and not changed:
                raise ConformanceError(
                    f"{_name(comp)}: {name}{_short(args)} moved the version but left the state as it was: "
                    "make it a @conditional_mutator that touches only on a change"
                )
        done.append(name)
    return done


def check_restart(
    factory: Callable[[], Any],
    updates: Sequence[tuple],
    method: str | Callable[..., Any] = "update",
    run: Callable[[Any, int, int], list] | None = None,
) -> None:
    """A persisted component's state survives a restart, and the restarted one goes on the same.

    The first half of ``updates`` is fed to a component persisted in a file; a second
    component opened on the file must hold byte for byte the state of a component that
    saw the same updates in memory (memories such as refractory periods and pending
    labels included); both then take the second half (and ``run``'s decisions) alike.

    Examples
    --------
    >>> from edgeadapt.learn import Moments
    >>> check_restart(lambda: Moments(1), [(float(i),) for i in range(6)])
    """
    half = len(updates) // 2
    with tempfile.TemporaryDirectory(prefix="ea-conformance-") as folder:
        path = os.path.join(folder, "state.ea")
        first = persist(factory(), path)
        _feed(first.component, updates[:half], method)
        if first.dirty:
            raise ConformanceError(f"{_name(first.component)}: a change was not saved (is every mutating method a @mutator?)")
        first.close()
        reference = factory()
        _feed(reference, updates[:half], method)
        second = persist(factory(), path)
        try:
            if encode_blob(second.state_dict()) != encode_blob(reference.state_dict()):
                raise ConformanceError(f"{_name(reference)}: the state reopened after a restart differs from the state before it")
            _feed(second.component, updates[half:], method)
            _feed(reference, updates[half:], method)
            if run is not None and run(second.component, 0, 50) != run(reference, 0, 50):
                raise ConformanceError(f"{_name(reference)}: a restarted component made other decisions")
            if encode_blob(second.state_dict()) != encode_blob(reference.state_dict()):
                raise ConformanceError(f"{_name(reference)}: a restarted component went on differently")
        finally:
            second.close()


def import_all(package: str = "edgeadapt") -> list[str]:
    """Import every module of ``package`` (so that every Stateful class is registered).

    Examples
    --------
    >>> "edgeadapt.core.protocol" in import_all()
    True
    """
    root = importlib.import_module(package)
    names = [package]
    for info in pkgutil.walk_packages(root.__path__, prefix=package + "."):
        if info.name.rsplit(".", 1)[-1] == "__main__":
            continue
        importlib.import_module(info.name)
        names.append(info.name)
    return names


def uncovered_classes(cases: Iterable["Case"], package: str = "edgeadapt") -> list[str]:
    """Concrete Stateful classes of ``package`` that no case's factory builds.

    Examples
    --------
    >>> from edgeadapt.learn import Moments
    >>> "edgeadapt.learn.moments.Moments" in uncovered_classes([])
    True
    >>> "edgeadapt.learn.moments.Moments" in uncovered_classes([Case("m", lambda: Moments(1), [(1.0,)])])
    False
    """
    import_all(package)
    covered = {type(case.factory()) for case in cases}
    return [
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in registered_classes()
        if cls.__module__.startswith(package + ".") and cls not in covered
    ]


@dataclass
class Case:
    """One component and the data the checks run it on.

    Parameters
    ----------
    name : str
        Shown in test ids and messages.
    factory : callable
        Returns a fresh component (with a fixed seed for randomized ones).
    updates : sequence of tuple
        Positional arguments of successive ``update`` calls.
    batch : callable, optional
        Maps a list of update arguments to ``update_many`` arguments.
    merge : bool
        Whether ``a += b`` must equal one pass (False for forgetting, for example).
    merge_ignore : sequence of str
        State entries left out of the merge comparison (generator state, random coins).
    bad_updates : sequence of tuple
        Update arguments that must raise ``ValueError``.
    run : callable, optional
        Decision loop for :func:`check_seeded` (policies).
    queries : sequence of callable
        Queries that must not change the state.
    rtol, atol : float
        Tolerance of the merge and batch comparisons.
    method : str or callable
        The method each of ``updates`` is passed to (``update``; ``process`` for a guard),
        or a function ``feed(component, *args)`` (to feed a composite through its parts).
    calls : mapping of str to sequence of tuple
        Arguments for the public methods that need some, for :func:`check_version_tracking`.
    skip : mapping of str to str
        Public methods that check does not call, each with the reason.
    restart : bool
        Run :func:`check_restart`.

    Examples
    --------
    >>> from edgeadapt.learn import Ridge
    >>> case = Case("Ridge", lambda: Ridge(1), [([1.0], 2.0), ([2.0], 3.0)], bad_updates=[([1.0], float("nan"))],
    ...             calls={"predict": [([1.0],)], "predict_many": [([[1.0]],)], "update_many": [([[1.0]], [2.0])]})
    >>> check_all(case)[-4:]
    ['bad_input', 'bad_state', 'version_tracking', 'restart']
    """

    name: str
    factory: Callable[[], Any]
    updates: Sequence[tuple]
    batch: Callable[[Sequence[tuple]], tuple] | None = None
    merge: bool = True
    merge_ignore: Sequence[str] = ()
    bad_updates: Sequence[tuple] = ()
    run: Callable[[Any, int, int], list] | None = None
    queries: Sequence[Callable[[Any], Any]] = field(default_factory=tuple)
    rtol: float = DEFAULT_RTOL
    atol: float = DEFAULT_ATOL
    method: str | Callable[..., Any] = "update"
    calls: Mapping[str, Sequence[tuple]] = field(default_factory=dict)
    skip: Mapping[str, str] = field(default_factory=dict)
    restart: bool = True


def _default_calls(case: Case) -> dict[str, Sequence[tuple]]:
    """The case's own updates serve as arguments of its feeding and batch methods."""
    calls: dict[str, Sequence[tuple]] = {}
    if isinstance(case.method, str):
        calls[case.method] = list(case.updates[:2])
    if case.batch is not None:
        calls["update_many"] = [case.batch(list(case.updates[:3]))]
    calls.update(case.calls)
    return calls


def check_all(case: Case) -> list[str]:
    """Run every check that applies to ``case``; return the names of those run.

    Examples
    --------
    >>> from edgeadapt.learn import Moments
    >>> check_all(Case("m", lambda: Moments(1), [(float(i),) for i in range(6)], batch=lambda u: ([r[0] for r in u],)))
    ['update_returns_none', 'roundtrip', 'batch', 'merge', 'bad_state', 'version_tracking', 'restart']
    """
    m = case.method
    done = ["roundtrip"]
    if m == "update" and hasattr(case.factory(), "update"):
        check_update_returns_none(case.factory, case.updates)
        done.insert(0, "update_returns_none")
    check_roundtrip(case.factory, case.updates, m)
    if case.batch is not None:
        check_batch(case.factory, case.updates, case.batch, rtol=case.rtol, atol=case.atol)
        done.append("batch")
    if case.merge:
        check_merge(case.factory, case.updates, rtol=case.rtol, atol=case.atol, ignore=case.merge_ignore, method=m)
        done.append("merge")
    if case.run is not None:
        check_seeded(case.factory, case.run)
        done.append("seeded")
    if case.bad_updates:
        check_bad_input(case.factory, case.updates, case.bad_updates, m if isinstance(m, str) else "update", feed=m)
        done.append("bad_input")
    if case.queries:
        check_pure(case.factory, case.updates, case.queries, m)
        done.append("pure")
    check_bad_state(case.factory, case.updates, m)
    done.append("bad_state")
    check_version_tracking(case.factory, case.updates, _default_calls(case), m, case.skip)
    done.append("version_tracking")
    if case.restart:
        check_restart(case.factory, case.updates, m, case.run)
        done.append("restart")
    return done
