"""Update gates: a self-learning step is tried on a candidate, checked, and only then committed.

A model that learns from its own pseudo-labels can be talked into anything by a stream of
wrong ones. :class:`UpdateGate` stands between a proposed update and the live component:

1. the **limits** are checked first, in *stream* time (the time of the data, so a replayed
   day is limited as a live one): at least ``min_margin`` of confidence margin, at most
   ``per_hour`` accepted updates in any hour, at most ``per_class_per_hour`` of one label
   in any hour, at most ``total`` ever;
2. the update is applied to a **candidate**, a deep copy of the component (see
   :meth:`edgeadapt.core.Stateful.__deepcopy__`: no listeners, nothing saved);
3. the **canaries** are checked on the candidate: inputs kept in the gate's state whose
   outputs must not change (within ``tolerance``), plus an optional check of the caller's;
4. only then is the candidate's state **committed** into the component with one
   ``load_state_dict`` (one change, one save if it is persisted), and the commit listeners
   are called (:meth:`UpdateGate.on_commit`: a history checkpoint, for instance).

Every decision is returned as a :class:`GateDecision` (accepted, reason, kind) and logged
on the ``edgeadapt.guard.gate`` logger; the counts of accepted and rejected updates, by
kind of reason, are part of the gate's state, so they survive a restart.

Examples
--------
A prototype learner whose canary (a known "lemon" input) must stay a lemon:

>>> import numpy as np
>>> from edgeadapt.learn import NearestClassMean
>>> model = NearestClassMean(dim=2, n_classes=2)
>>> model.update([1.0, 0.0], 0); model.update([0.0, 1.0], 1)
>>> predict = lambda m, inputs: [m.predict(x) for x in inputs]
>>> gate = UpdateGate(predict, per_hour=10, min_margin=0.1)
>>> gate.set_canaries(model, [[0.9, 0.1]])
>>> d = gate.propose(model, lambda m: m.update([0.1, 0.9], 1), label="1", margin=0.5, time=0.0)
>>> d.accepted, d.reason
(True, 'accepted')
>>> poison = lambda m: [m.update([0.9, 0.1], 1) for _ in range(20)]   # "the lemon is a lime"
>>> d = gate.propose(model, poison, label="1", margin=0.5, time=1.0)
>>> d.accepted, d.kind, d.reason
(False, 'canary', 'canary 0 changed its output with the update (1 of 1 canaries)')
>>> model.predict([0.9, 0.1]), gate.accepted, gate.rejected
(0, 1, 1)
"""

from __future__ import annotations

import json
import logging
import math
import copy
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np

from ..core import checks
from ..core.protocol import (
    Stateful,
    conditional_mutator,
    expect_array,
    expect_keys,
    expect_scalar,
    load_parts_state,
    mutator,
    parts_state,
)
from ..errors import InputError, StateMismatchError
from .detection import SECONDS_PER_HOUR, RateLimit

__all__ = ["UpdateGate", "GateDecision", "KINDS", "ACCEPTED", "LOGGER_NAME", "NEVER"]

LOGGER_NAME = "edgeadapt.guard.gate"
_log = logging.getLogger(LOGGER_NAME)

ACCEPTED = "accepted"
#: Kinds of rejection, in the order of the checks; ``reasons`` in the state counts each.
KINDS = ("margin", "rate", "class_rate", "total", "canary", "check")
#: Time of a per-class slot never used (finite, so the blob checks pass).
NEVER = -np.finfo(np.float64).max
#: Defaults: a handful of self-learned updates an hour is what a user's repeats and a
#: camera's confident runs produce; more than that in an hour is a stream, not a user.
DEFAULT_PER_HOUR = 6
DEFAULT_TOTAL = 1000
_PART = "rate"
#: Attribute of the commit listeners: wiring, not state; an ``_ea_`` name, so a candidate copy has none.
_COMMIT_LISTENERS = "_ea_commit_listeners"


@dataclass(frozen=True)
class GateDecision:
    """What :meth:`UpdateGate.propose` decided.

    Attributes
    ----------
    accepted : bool
        The update was committed.
    reason : str
        ``"accepted"``, or a sentence naming the check that failed.
    kind : str
        ``"accepted"`` or one of :data:`KINDS`.
    label : str
    margin : float or None
    time : float
        Stream time of the proposal.
    failed_canaries : tuple of int
        Indices of the canaries whose output changed (kind ``"canary"``).
    """

    accepted: bool
    reason: str
    kind: str
    label: str
    margin: float | None
    time: float
    failed_canaries: tuple[int, ...] = ()

    def record(self) -> dict[str, Any]:
        """The decision as plain JSON-ready fields (what ``--json`` commands emit).

        Examples
        --------
        >>> GateDecision(False, "rate limit", "rate", "a", 0.2, 5.0).record()["kind"]
        'rate'
        """
        return {"accepted": self.accepted, "reason": self.reason, "kind": self.kind, "label": self.label,
                "margin": self.margin, "time": self.time, "failed_canaries": list(self.failed_canaries)}


class UpdateGate(Stateful):
    """Apply a proposed update to a candidate, check limits and canaries, then commit.

    Parameters
    ----------
    outputs : callable, optional
        ``outputs(component, inputs) -> array_like`` of numbers, one row (or value) per
        canary input: what must not change (class indices, scores). Needed for canaries.
    per_hour : int
        Accepted updates allowed in any hour of stream time.
    per_class_per_hour : int or None
        Accepted updates of one label allowed in any hour; ``None``: no per-class limit.
    total : int
        Accepted updates allowed in the gate's lifetime (until :meth:`reset_limits`).
    min_margin : float
        Smallest confidence margin (best minus runner-up) a proposal may carry.
    tolerance : float
        Largest absolute change of a canary's output that still counts as unchanged
        (0: exactly equal, right for class indices).

    Notes
    -----
    State: the canaries (``canary_inputs``, ``canary_outputs``), the accepted times under
    ``rate.`` (a :class:`~edgeadapt.guard.detection.RateLimit`), per-label times
    (``class_names``, ``class_times``), and the counters ``accepted``, ``rejected``,
    ``reasons`` (per kind of :data:`KINDS`) and ``last_reason``. The limits themselves
    are configuration and may change between sessions.

    Examples
    --------
    >>> import numpy as np
    >>> from edgeadapt.learn import NearestClassMean
    >>> m = NearestClassMean(1, 2); m.update([0.0], 0)
    >>> g = UpdateGate(per_hour=1)
    >>> g.propose(m, lambda c: c.update([1.0], 1), label="b", time=0.0).accepted
    True
    >>> g.propose(m, lambda c: c.update([2.0], 1), label="b", time=60.0).reason
    'rate limit: 1 accepted in the last hour (per_hour=1, stream time)'
    """

    def __init__(
        self,
        outputs: Callable[[Any, np.ndarray], Any] | None = None,
        *,
        per_hour: int = DEFAULT_PER_HOUR,
        per_class_per_hour: int | None = None,
        total: int = DEFAULT_TOTAL,
        min_margin: float = 0.0,
        tolerance: float = 0.0,
    ) -> None:
        self.outputs = outputs
        self.per_class_per_hour = None if per_class_per_hour is None else checks.count(
            per_class_per_hour, "UpdateGate", "per_class_per_hour")
        self.min_margin = checks.real(min_margin, "UpdateGate", "min_margin")
        self.tolerance = checks.real(tolerance, "UpdateGate", "tolerance", 0.0)
        self.rate = RateLimit(per_hour=checks.count(per_hour, "UpdateGate", "per_hour"),
                              total=checks.count(total, "UpdateGate", "total", minimum=0))
        self.adopt(**{_PART: self.rate})
        self._canary_in = np.zeros((0, 0), np.float64)
        self._canary_out = np.zeros((0, 0), np.float64)
        self._classes: dict[str, np.ndarray] = {}
        self._accepted = 0
        self._rejected = 0
        self._reasons = np.zeros(len(KINDS), np.int64)
        self._last_reason = ""

    # ------------------------------------------------------------------ canaries
    def _outputs(self, component: Any, inputs: np.ndarray) -> np.ndarray:
        if self.outputs is None:
            raise InputError("UpdateGate: canaries need an outputs function: UpdateGate(outputs=lambda model, x: ...)")
        out = np.asarray(self.outputs(component, inputs), dtype=np.float64).reshape(len(inputs), -1)
        if not np.all(np.isfinite(out)):
            raise InputError("UpdateGate: the outputs function returned NaN or Inf for a canary; check the model")
        return out

    @conditional_mutator
    def set_canaries(self, component: Any, inputs: Any) -> None:
        """Keep ``inputs`` as canaries, with ``component``'s outputs on them now as the reference.

        Replaces any canaries held; an empty list removes them.

        Examples
        --------
        >>> from edgeadapt.learn import NearestClassMean
        >>> m = NearestClassMean(1, 2); m.update([0.0], 0)
        >>> g = UpdateGate(lambda c, x: [c.predict(v) for v in x]); g.set_canaries(m, [[0.1], [-0.2]]); g.n_canaries
        2
        """
        x = np.asarray(inputs, dtype=np.float64)
        if x.size == 0:
            x, out = np.zeros((0, 0)), np.zeros((0, 0))
        else:
            x = x.reshape(len(x), -1) if x.ndim else x.reshape(1, 1)
            x = checks.matrix(x, x.shape[1], "UpdateGate", "inputs").copy()
            out = self._outputs(component, x.copy())
        if x.shape != self._canary_in.shape or out.shape != self._canary_out.shape or \
                not (np.array_equal(x, self._canary_in) and np.array_equal(out, self._canary_out)):
            self._canary_in, self._canary_out = x, out
            self._touch()

    @mutator
    def add_canaries(self, component: Any, inputs: Any) -> None:
        """Add canaries (same width as those held), with ``component``'s outputs now as reference.

        Examples
        --------
        >>> from edgeadapt.learn import NearestClassMean
        >>> m = NearestClassMean(1, 2); m.update([0.0], 0)
        >>> g = UpdateGate(lambda c, x: [c.predict(v) for v in x]); g.add_canaries(m, [[0.1]]); g.add_canaries(m, [[0.3]])
        >>> g.canaries()[0].tolist()
        [[0.1], [0.3]]
        """
        x = np.asarray(inputs, dtype=np.float64)
        x = x.reshape(len(x), -1) if x.ndim else x.reshape(1, 1)
        if not x.size:
            raise InputError("UpdateGate: add_canaries got no inputs; give at least one row")
        if not len(self._canary_in):
            self.set_canaries(component, x)
            return
        x = checks.matrix(x, self._canary_in.shape[1], "UpdateGate", "inputs")
        out = self._outputs(component, x.copy())
        if out.shape[1] != self._canary_out.shape[1]:
            raise InputError(f"UpdateGate: outputs has {out.shape[1]} values per canary, the canaries held "
                             f"{self._canary_out.shape[1]}; give the same outputs function")
        self._canary_in = np.vstack([self._canary_in, x])
        self._canary_out = np.vstack([self._canary_out, out])

    def canaries(self) -> tuple[np.ndarray, np.ndarray]:
        """Copies of the canary inputs and their reference outputs."""
        return self._canary_in.copy(), self._canary_out.copy()

    @property
    def n_canaries(self) -> int:
        """Number of canaries held."""
        return len(self._canary_in)

    def failing_canaries(self, component: Any) -> list[int]:
        """Indices of the canaries whose output on ``component`` moved beyond ``tolerance`` (pure).

        Examples
        --------
        >>> from edgeadapt.learn import NearestClassMean
        >>> m = NearestClassMean(1, 2); m.update([0.0], 0)
        >>> g = UpdateGate(lambda c, x: [c.predict(v) for v in x]); g.set_canaries(m, [[0.6]])
        >>> m.update([1.0], 1); g.failing_canaries(m)
        [0]
        """
        if not len(self._canary_in):
            return []
        out = self._outputs(component, self._canary_in.copy())
        if out.shape != self._canary_out.shape:
            return list(range(len(self._canary_in)))
        moved = np.abs(out - self._canary_out).max(axis=1) > self.tolerance
        return [int(i) for i in np.flatnonzero(moved)]

    # ------------------------------------------------------------------ limits
    def _class_recent(self, label: str, time: float) -> int:
        times = self._classes.get(label)
        if times is None:
            return 0
        return int(np.count_nonzero(time - times < SECONDS_PER_HOUR))

    def limit_reason(self, label: str, margin: float | None, time: float) -> tuple[str, str]:
        """``(kind, reason)`` of the first limit a proposal breaks, or ``("", "")`` (pure).

        Examples
        --------
        >>> UpdateGate(min_margin=0.2).limit_reason("a", 0.1, 0.0)
        ('margin', 'margin 0.100 below the minimum 0.200')
        """
        if margin is None:
            if self.min_margin > 0:
                return "margin", f"no margin given and the minimum is {self.min_margin:.3f}"
        elif margin < self.min_margin:
            return "margin", f"margin {margin:.3f} below the minimum {self.min_margin:.3f}"
        rate = self.rate
        if rate.count >= rate.total:
            return "total", f"total limit: {rate.count} updates accepted (total={rate.total}); reset the limits to learn more"
        if not rate.allows(time):
            recent = int(np.count_nonzero(time - rate.state_dict()["times"] < SECONDS_PER_HOUR))
            return "rate", f"rate limit: {recent} accepted in the last hour (per_hour={rate.per_hour}, stream time)"
        if self.per_class_per_hour is not None:
            recent = self._class_recent(label, time)
            if recent >= self.per_class_per_hour:
                return "class_rate", (f"class rate limit: {recent} updates of {label!r} in the last hour "
                                      f"(per_class_per_hour={self.per_class_per_hour}, stream time)")
        return "", ""

    # ------------------------------------------------------------------ proposing
    @mutator
    def propose(
        self,
        component: Any,
        apply: Callable[[Any], Any],
        label: str = "",
        margin: float | None = None,
        time: float | None = None,
        check: Callable[[Any], str] | None = None,
    ) -> GateDecision:
        """Try ``apply`` on a candidate copy of ``component``; commit it if every check passes.

        Parameters
        ----------
        component : Stateful
            The live component (persisted or not); changed only on acceptance, in one
            ``load_state_dict``.
        apply : callable
            ``apply(candidate)`` makes the update on the candidate (its return value is
            ignored). An exception from it propagates and nothing changes.
        label : str
            The label the update teaches (for the per-class limit and the log).
        margin : float, optional
            Confidence margin of the pseudo-label (best minus runner-up score).
        time : float
            Stream time of the proposal in seconds (the data's clock, not the wall's);
            required (a keyword by convention).
        check : callable, optional
            ``check(candidate) -> str``: a further canary of the caller's; a non-empty
            string rejects the update with that reason.

        Returns
        -------
        GateDecision

        Examples
        --------
        >>> from edgeadapt.learn import NearestClassMean
        >>> m = NearestClassMean(1, 2); g = UpdateGate()
        >>> d = g.propose(m, lambda c: c.update([1.0], 0), label="a", time=0.0,
        ...               check=lambda c: "" if c.counts()[1] == 0 else "class 1 must stay empty")
        >>> d.accepted, m.counts().tolist()
        (True, [1.0, 0.0])
        """
        if time is None:
            raise InputError("UpdateGate: time is required: pass the stream time of the proposal in seconds")
        time = checks.real(time, "UpdateGate", "time")
        if margin is not None:
            margin = checks.number(margin, "UpdateGate", "margin")
            if math.isnan(margin):
                raise InputError("UpdateGate: margin must not be NaN; pass None when there is none")
        if not isinstance(label, str):
            raise InputError(f"UpdateGate: label must be a str, got {type(label).__name__}; pass str(label)")
        if not callable(apply):
            raise InputError("UpdateGate: apply must be a callable taking the candidate component")
        kind, reason = self.limit_reason(label, margin, time)
        failed: tuple[int, ...] = ()
        candidate = None
        if not kind:
            candidate = copy.deepcopy(component)
            apply(candidate)
            failed = tuple(self.failing_canaries(candidate))
            if failed:
                kind = "canary"
                which = ", ".join(str(i) for i in failed[:5]) + (", ..." if len(failed) > 5 else "")
                reason = (f"canar{'y' if len(failed) == 1 else 'ies'} {which} changed "
                          f"{'its' if len(failed) == 1 else 'their'} output with the update "
                          f"({len(failed)} of {self.n_canaries} canaries)")
            elif check is not None:
                detail = check(candidate)
                if detail:
                    kind, reason = "check", str(detail)
        if kind:
            decision = GateDecision(False, reason, kind, label, margin, time, failed)
            self._rejected += 1
            self._reasons[KINDS.index(kind)] += 1
            self._last_reason = reason
            _log.info("update of %r at %.3f s rejected: %s", label, time, reason)
            return decision
        component.load_state_dict(candidate.state_dict())  # type: ignore[union-attr]
        self.rate.update(time)
        self._record_class(label, time)
        self._accepted += 1
        self._last_reason = ACCEPTED
        decision = GateDecision(True, ACCEPTED, ACCEPTED, label, margin, time)
        _log.info("update of %r at %.3f s accepted", label, time)
        for callback in tuple(self.__dict__.get(_COMMIT_LISTENERS, ())):
            callback(decision)
        return decision

    def _record_class(self, label: str, time: float) -> None:
        if self.per_class_per_hour is None and label not in self._classes:
            keep = 1
        else:
            keep = self.per_class_per_hour or 1
        times = self._classes.get(label, np.zeros(0))
        self._classes[label] = np.append(times[times > NEVER], time)[-keep:]

    def on_commit(self, callback: Callable[[GateDecision], None]) -> None:
        """Call ``callback(decision)`` after each committed update (not saved: wiring, not state).

        Examples
        --------
        >>> from edgeadapt.learn import NearestClassMean
        >>> g = UpdateGate(); seen = []; g.on_commit(seen.append)
        >>> _ = g.propose(NearestClassMean(1, 2), lambda c: c.update([0.0], 0), time=0.0); len(seen)
        1
        """
        self.__dict__.setdefault(_COMMIT_LISTENERS, []).append(callback)

    @conditional_mutator
    def reset_limits(self) -> None:
        """Forget the accepted times and counts (the canaries and the decision counts stay).

        Examples
        --------
        >>> from edgeadapt.learn import NearestClassMean
        >>> g = UpdateGate(total=1); _ = g.propose(NearestClassMean(1, 2), lambda c: c.update([0.0], 0), time=0.0)
        >>> g.limit_reason("a", None, 9e9)[0], (g.reset_limits(), g.limit_reason("a", None, 9e9))[1]
        ('total', ('', ''))
        """
        if self.rate.count or self._classes:
            self.rate.reset()
            self._classes = {}
            self._touch()

    # ------------------------------------------------------------------ queries
    @property
    def accepted(self) -> int:
        """Updates committed so far."""
        return self._accepted

    @property
    def rejected(self) -> int:
        """Updates rejected so far."""
        return self._rejected

    @property
    def last_reason(self) -> str:
        """Reason of the last decision (``""`` before the first)."""
        return self._last_reason

    def reason_counts(self) -> dict[str, int]:
        """Rejections so far by kind.

        Examples
        --------
        >>> UpdateGate().reason_counts()["canary"]
        0
        """
        return {k: int(n) for k, n in zip(KINDS, self._reasons)}

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        """Canaries, per-label times, counters, and the rate limit's state under ``rate.``.

        Examples
        --------
        >>> sorted(UpdateGate().state_dict())[:3]
        ['accepted', 'canary_inputs', 'canary_outputs']
        """
        names = sorted(self._classes)
        width = max([len(self._classes[n]) for n in names] + [1])
        times = np.full((len(names), width), NEVER, np.float64)
        for i, name in enumerate(names):
            t = self._classes[name]
            times[i, width - len(t):] = t
        out = parts_state({_PART: self.rate})
        out.update({
            "canary_inputs": self._canary_in.copy(), "canary_outputs": self._canary_out.copy(),
            "class_names": json.dumps(names), "class_times": times,
            "accepted": np.int64(self._accepted), "rejected": np.int64(self._rejected),
            "reasons": self._reasons.copy(), "last_reason": self._last_reason,
        })
        return out

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Replace the state after checking it; nothing changes on error.

        Examples
        --------
        >>> a = UpdateGate(); b = UpdateGate(); b.load_state_dict(a.state_dict()); b.accepted
        0
        """
        own_keys = ["canary_inputs", "canary_outputs", "class_names", "class_times", "accepted", "rejected",
                    "reasons", "last_reason"]
        own = {k: v for k, v in state.items() if not k.startswith(_PART + ".")}
        expect_keys(own, own_keys, self)
        cin = expect_array(own, "canary_inputs", (None, None), np.float64, self)
        cout = expect_array(own, "canary_outputs", (cin.shape[0], None), np.float64, self)
        reasons = expect_array(own, "reasons", (len(KINDS),), np.int64, self)
        accepted = int(expect_scalar(own, "accepted", np.int64, self))
        rejected = int(expect_scalar(own, "rejected", np.int64, self))
        names_text, last = own["class_names"], own["last_reason"]
        if not isinstance(names_text, str) or not isinstance(last, str):
            raise StateMismatchError("UpdateGate: state entries 'class_names' and 'last_reason' must be strings; reset the state")
        try:
            names = json.loads(names_text)
        except ValueError:
            names = None
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names) or len(set(names)) != len(names):
            raise StateMismatchError("UpdateGate: state entry 'class_names' is not a list of distinct labels; reset the state")
        times = expect_array(own, "class_times", (len(names), None), np.float64, self)
        if accepted < 0 or rejected < 0 or (reasons < 0).any() or int(reasons.sum()) != rejected:
            raise StateMismatchError("UpdateGate: state counters are negative or disagree; the state is damaged: reset it")
        if len(cin) and (cin.shape[1] == 0 or cout.shape[1] == 0):
            raise StateMismatchError("UpdateGate: state holds canaries without inputs or outputs; reset the state")
        load_parts_state({_PART: self.rate}, {k: v for k, v in state.items() if k.startswith(_PART + ".")}, self)
        self._canary_in, self._canary_out = cin, cout
        self._classes = {n: row[row > NEVER].copy() for n, row in zip(names, times)}
        self._accepted, self._rejected, self._reasons, self._last_reason = accepted, rejected, reasons, last

    def __repr__(self) -> str:
        return (f"UpdateGate(per_hour={self.rate.per_hour}, per_class_per_hour={self.per_class_per_hour}, "
                f"total={self.rate.total}, min_margin={self.min_margin}, tolerance={self.tolerance})")
