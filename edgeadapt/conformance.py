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

Examples
--------
>>> import numpy as np
>>> from edgeadapt.learn import Moments
>>> rows = [(np.array([float(i), 2.0 * i]),) for i in range(10)]
>>> case = Case("Moments", lambda: Moments(2), rows, batch=lambda u: (np.stack([r[0] for r in u]),),
...             bad_updates=[(np.array([np.nan, 0.0]),), (np.zeros(3),)])
>>> check_all(case)
['update_returns_none', 'roundtrip', 'batch', 'merge', 'bad_input', 'bad_state']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .errors import StateError
from .state.blob import decode_blob, encode_blob

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
    "check_all",
]

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


def _feed(component: Any, updates: Sequence[tuple]) -> None:
    for args in updates:
        component.update(*args)


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


def check_roundtrip(factory: Callable[[], Any], updates: Sequence[tuple]) -> None:
    """State → blob → fresh component → blob gives identical bytes, and ``state_dict`` copies.

    Examples
    --------
    >>> from edgeadapt.learn import Moments
    >>> check_roundtrip(lambda: Moments(1), [(1.0,), (2.0,)])
    """
    comp = factory()
    _feed(comp, updates)
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
) -> None:
    """``a += b`` (a saw the first half, b the second) equals one component that saw both.

    Examples
    --------
    >>> from edgeadapt.learn import Moments
    >>> check_merge(lambda: Moments(1), [(float(i),) for i in range(9)])
    """
    half = len(updates) // 2
    a, b, whole = factory(), factory(), factory()
    _feed(a, updates[:half])
    _feed(b, updates[half:])
    _feed(whole, updates)
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


def check_bad_input(factory: Callable[[], Any], updates: Sequence[tuple], bad_updates: Sequence[tuple], method: str = "update") -> None:
    """Each of ``bad_updates`` makes ``method`` raise ``ValueError`` and leaves the state unchanged.

    Examples
    --------
    >>> from edgeadapt.learn import Moments
    >>> check_bad_input(lambda: Moments(1), [(1.0,)], [(float("nan"),), ("x",)])
    """
    comp = factory()
    _feed(comp, updates)
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


def check_bad_state(factory: Callable[[], Any], updates: Sequence[tuple]) -> None:
    """Missing, extra, reshaped and non-finite entries raise ``StateError``; nothing changes.

    Examples
    --------
    >>> from edgeadapt.learn import Moments
    >>> check_bad_state(lambda: Moments(2), [(np.ones(2),)])
    """
    comp = factory()
    _feed(comp, updates)
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


def check_pure(factory: Callable[[], Any], updates: Sequence[tuple], queries: Sequence[Callable[[Any], Any]]) -> None:
    """Each query leaves the state byte-identical.

    Examples
    --------
    >>> from edgeadapt.learn import Moments
    >>> check_pure(lambda: Moments(1), [(1.0,)], [lambda m: m.variance(), lambda m: m.mean])
    """
    comp = factory()
    _feed(comp, updates)
    before = encode_blob(comp.state_dict())
    for query in queries:
        query(comp)
        if encode_blob(comp.state_dict()) != before:
            raise ConformanceError(f"{_name(comp)}: a query changed the state ({getattr(query, '__name__', query)})")


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

    Examples
    --------
    >>> from edgeadapt.learn import Ridge
    >>> case = Case("Ridge", lambda: Ridge(1), [([1.0], 2.0), ([2.0], 3.0)], bad_updates=[([1.0], float("nan"))])
    >>> check_all(case)[-2:]
    ['bad_input', 'bad_state']
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


def check_all(case: Case) -> list[str]:
    """Run every check that applies to ``case``; return the names of those run.

    Examples
    --------
    >>> from edgeadapt.learn import Moments
    >>> check_all(Case("m", lambda: Moments(1), [(float(i),) for i in range(6)]))
    ['update_returns_none', 'roundtrip', 'merge', 'bad_state']
    """
    done = ["update_returns_none", "roundtrip"]
    check_update_returns_none(case.factory, case.updates)
    check_roundtrip(case.factory, case.updates)
    if case.batch is not None:
        check_batch(case.factory, case.updates, case.batch, rtol=case.rtol, atol=case.atol)
        done.append("batch")
    if case.merge:
        check_merge(case.factory, case.updates, rtol=case.rtol, atol=case.atol, ignore=case.merge_ignore)
        done.append("merge")
    if case.run is not None:
        check_seeded(case.factory, case.run)
        done.append("seeded")
    if case.bad_updates:
        check_bad_input(case.factory, case.updates, case.bad_updates)
        done.append("bad_input")
    if case.queries:
        check_pure(case.factory, case.updates, case.queries)
        done.append("pure")
    check_bad_state(case.factory, case.updates)
    done.append("bad_state")
    return done
