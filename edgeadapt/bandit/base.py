"""Shared machinery of the bandit policies: arms, allowed sets, seeded generator, state.

A policy's state is a few per-arm arrays (the sufficient statistics), a boolean
``active`` mask (retired arms keep their statistics and their index) and the
PCG64 generator state, so a reloaded policy makes the same decisions.

Examples
--------
>>> import numpy as np
>>> g = np.random.Generator(np.random.PCG64(7))
>>> h = np.random.Generator(np.random.PCG64(0))
>>> set_rng_state(h, rng_state(g))
>>> g.random() == h.random()
True
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from ..errors import EdgeAdaptError, InputError, StateMismatchError
from ..core import checks
from ..core.protocol import Stateful, expect_array, expect_keys, mutator

__all__ = ["Policy", "NoArmAvailableError", "rng_state", "set_rng_state", "RNG_STATE_WORDS"]

FLOAT = np.float64
_U64 = (1 << 64) - 1
# PCG64 state as uint64 words: state (hi, lo), increment (hi, lo), has_uint32, uinteger.
RNG_STATE_WORDS = 6
# Policies that only need uniforms draw them in blocks (one numpy call per block); the
# saved state is the generator state at the block's start plus the position in it.
UNIFORM_BLOCK = 256


class NoArmAvailableError(EdgeAdaptError, RuntimeError):
    """Every arm is retired, outside the allowed set, or rate-limited.

    Examples
    --------
    >>> from edgeadapt.bandit import UCB1
    >>> p = UCB1(n_arms=1); p.retire_arm(0); p.select()
    Traceback (most recent call last):
    ...
    edgeadapt.bandit.base.NoArmAvailableError: UCB1: every arm is retired; add an arm before selecting
    """


def rng_state(generator: np.random.Generator) -> np.ndarray:
    """The PCG64 state of ``generator`` as ``RNG_STATE_WORDS`` uint64 words.

    Examples
    --------
    >>> rng_state(np.random.Generator(np.random.PCG64(1))).dtype
    dtype('uint64')
    """
    st = generator.bit_generator.state
    if st["bit_generator"] != "PCG64":
        raise InputError("policies keep a PCG64 generator; got " + str(st["bit_generator"]))
    s, inc = st["state"]["state"], st["state"]["inc"]
    return np.array([s >> 64, s & _U64, inc >> 64, inc & _U64, st["has_uint32"], st["uinteger"]], dtype=np.uint64)


def set_rng_state(generator: np.random.Generator, words: np.ndarray) -> None:
    """Restore a state written by :func:`rng_state` into a PCG64 generator.

    Examples
    --------
    >>> g = np.random.Generator(np.random.PCG64(3)); w = rng_state(g); x = g.random()
    >>> set_rng_state(g, w); g.random() == x
    True
    """
    w = [int(v) for v in words]
    generator.bit_generator.state = {
        "bit_generator": "PCG64",
        "state": {"state": (w[0] << 64) | w[1], "inc": (w[2] << 64) | w[3]},
        "has_uint32": w[4],
        "uinteger": w[5],
    }


class Policy(Stateful, abstract=True):
    """Base class of the bandit policies (not used directly).

    Subclasses list their per-arm arrays in ``_FIELDS`` as ``(name, trailing shape)``
    (trailing shape may use ``"d"`` for the context dimension), the ones that add up
    on merge in ``_ADDITIVE``, and implement ``_new_arm`` (initial values of a new arm),
    ``_refresh`` (caches derived from the state), ``select`` and ``update``.

    Examples
    --------
    >>> from edgeadapt.bandit import EpsilonGreedy
    >>> isinstance(EpsilonGreedy(n_arms=2), Policy)
    True
    """

    _counts: np.ndarray
    _FIELDS: tuple[tuple[str, tuple], ...] = ()
    _ADDITIVE: tuple[str, ...] = ()
    # True for policies that draw only uniforms, through ``_uniform``.
    _BUFFERED = False

    def __init__(self, n_arms: int, seed: int | None = None) -> None:
        name = type(self).__name__
        self.n_arms = checks.count(n_arms, name, "n_arms")
        self.seed = seed
        self._rng = np.random.Generator(np.random.PCG64(seed))
        self._block_start = rng_state(self._rng)
        self._uniforms: list[float] = []
        self._pos = 0
        if self._BUFFERED:
            self._uniforms = self._rng.random(UNIFORM_BLOCK).tolist()
        self._active = np.ones(self.n_arms, dtype=bool)
        for field, _ in self._FIELDS:
            setattr(self, "_" + field, np.stack([self._new_arm()[field] for _ in range(self.n_arms)]))
        self._refresh()

    def _uniform(self) -> float:
        """Next uniform in [0, 1) of the buffered stream (refilled one block at a time)."""
        i = self._pos
        if i == UNIFORM_BLOCK:
            self._block_start = rng_state(self._rng)
            self._uniforms = self._rng.random(UNIFORM_BLOCK).tolist()
            i = 0
        self._pos = i + 1
        return self._uniforms[i]

    # ------------------------------------------------------------- subclass hooks
    def _sync(self) -> None:
        """Write per-call mirrors (if a subclass keeps any) back to the state arrays."""

    def _new_arm(self) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def _refresh(self) -> None:
        """Recompute caches derived from the state (after load, merge, add, retire)."""
        self._active_idx = np.flatnonzero(self._active)
        self._active_list = self._active_idx.tolist()
        self._all_active = bool(self._active.all())
        # 0 for active arms, -inf for retired ones: added to scores before argmax.
        self._penalty = np.where(self._active, 0.0, -np.inf)

    def _no_arm(self) -> NoArmAvailableError:
        return NoArmAvailableError(f"{type(self).__name__}: every arm is retired; add an arm before selecting")

    # ------------------------------------------------------------- arms
    @mutator
    def add_arm(self) -> int:
        """Add a fresh arm (prior statistics) and return its index.

        Examples
        --------
        >>> from edgeadapt.bandit import UCB1
        >>> UCB1(n_arms=2).add_arm()
        2
        """
        self._sync()
        new = self._new_arm()
        for field, _ in self._FIELDS:
            setattr(self, "_" + field, np.concatenate([getattr(self, "_" + field), new[field][None]]))
        self._active = np.append(self._active, True)
        self.n_arms += 1
        self._refresh()
        return self.n_arms - 1

    @mutator
    def retire_arm(self, arm: int) -> None:
        """Stop selecting ``arm``; its statistics and index are kept (late rewards still count).

        Examples
        --------
        >>> from edgeadapt.bandit import UCB1
        >>> p = UCB1(n_arms=2); p.retire_arm(0); p.active_arms().tolist()
        [1]
        """
        a = self._check_arm(arm)
        self._sync()
        self._active[a] = False
        self._refresh()

    def active_arms(self) -> np.ndarray:
        """Indices of the arms that can be selected.

        Examples
        --------
        >>> from edgeadapt.bandit import UCB1
        >>> UCB1(n_arms=3).active_arms().tolist()
        [0, 1, 2]
        """
        return self._active_idx.copy()

    def _check_arm(self, arm: Any) -> int:
        if type(arm) is not int:
            if isinstance(arm, (bool, np.bool_)) or not isinstance(arm, (int, np.integer)):
                raise InputError(f"{type(self).__name__}: arm must be an integer index, got {arm!r}")
            arm = int(arm)
        if not 0 <= arm < self.n_arms:
            raise InputError(f"{type(self).__name__}: arm {arm} is outside [0, {self.n_arms}); use an index select() returned")
        return arm

    def _check_reward(self, reward: Any) -> float:
        return checks.number(reward, type(self).__name__, "reward")

    def _mask(self, allowed: Any) -> np.ndarray:
        """Active arms within ``allowed`` (indices or a boolean mask); raise if none."""
        if isinstance(allowed, np.ndarray) and allowed.dtype == bool:
            if allowed.shape != (self.n_arms,):
                raise InputError(f"{type(self).__name__}: allowed mask has shape {allowed.shape}, expected ({self.n_arms},)")
            mask = allowed & self._active
        else:
            idx = np.asarray(list(allowed) if not isinstance(allowed, np.ndarray) else allowed)
            if idx.size and (idx.dtype.kind not in "iu" or idx.min() < 0 or idx.max() >= self.n_arms):
                raise InputError(f"{type(self).__name__}: allowed must hold arm indices in [0, {self.n_arms})")
            mask = np.zeros(self.n_arms, dtype=bool)
            mask[idx.astype(np.int64)] = True
            mask &= self._active
        if not mask.any():
            raise NoArmAvailableError(f"{type(self).__name__}: no active arm is allowed; widen the allowed set or add an arm")
        return mask

    # ------------------------------------------------------------- decisions
    def select(self, context: Any = None, allowed: Any = None) -> int:
        """Choose an arm.

        Parameters
        ----------
        context : array_like, optional
            Context vector (contextual policies only).
        allowed : iterable of int or bool mask, optional
            Restrict the choice to these arms (intersected with the active arms).

        Returns
        -------
        int
            The arm index.

        Raises
        ------
        NoArmAvailableError
            If no active arm is allowed.

        Examples
        --------
        >>> from edgeadapt.bandit import UCB1
        >>> UCB1(n_arms=4).select(allowed=[3])
        3
        """
        raise NotImplementedError

    @mutator
    def update(self, arm: int, reward: float, context: Any = None) -> None:
        """Record the reward of a pulled arm (and its context, for contextual policies).

        Examples
        --------
        >>> from edgeadapt.bandit import UCB1
        >>> p = UCB1(n_arms=2); p.update(0, 0.5); p.means().tolist()
        [0.5, 0.0]
        """
        raise NotImplementedError

    @mutator
    def update_many(self, arms: Any, rewards: Any, contexts: Any = None) -> None:
        """Record a batch of rewards; the same state as calling :meth:`update` in order.

        Examples
        --------
        >>> from edgeadapt.bandit import UCB1
        >>> p = UCB1(n_arms=2); p.update_many([0, 1, 1], [1.0, 0.0, 1.0]); p.counts().tolist()
        [1.0, 2.0]
        """
        arms = np.asarray(arms)
        rewards = np.asarray(rewards)
        if arms.ndim != 1 or rewards.shape != arms.shape:
            raise InputError(f"{type(self).__name__}: arms and rewards must be 1-d of the same length")
        if contexts is None:
            for a, r in zip(arms.tolist(), rewards.tolist()):
                self.update(a, r)
        else:
            contexts = np.asarray(contexts, dtype=FLOAT)
            if contexts.ndim != 2 or contexts.shape[0] != arms.shape[0]:
                raise InputError(f"{type(self).__name__}: contexts must be (n, dim) with one row per arm")
            for a, r, x in zip(arms.tolist(), rewards.tolist(), contexts):
                self.update(a, r, x)

    # ------------------------------------------------------------- merge
    def _merge_compatible(self, other: Any) -> None:
        if type(other) is not type(self) or other.n_arms != self.n_arms or other._hyper() != self._hyper():
            raise InputError(
                f"{type(self).__name__}: can only merge a {type(self).__name__} with the same arms and hyper-parameters"
            )

    def _hyper(self) -> tuple:
        return ()

    def __iadd__(self, other: "Policy") -> "Policy":
        """Add another device's statistics (exact: they are sums). The generator and active mask stay ours.

        Examples
        --------
        >>> from edgeadapt.bandit import UCB1
        >>> a, b = UCB1(n_arms=2), UCB1(n_arms=2)
        >>> a.update(0, 1.0); b.update(0, 0.0); b.update(1, 1.0)
        >>> a += b
        >>> a.counts().tolist(), a.means().tolist()
        ([2.0, 1.0], [0.5, 1.0])
        """
        self._merge_compatible(other)
        self._sync()
        other._sync()
        for field in self._ADDITIVE:
            setattr(self, "_" + field, getattr(self, "_" + field) + getattr(other, "_" + field))
        self._refresh()
        return self

    # ------------------------------------------------------------- state
    def state_dict(self) -> dict[str, Any]:
        """Per-arm arrays, ``active`` (bool), ``rng`` (PCG64 state, uint64 words) and ``rng_pos``.

        Examples
        --------
        >>> from edgeadapt.bandit import UCB1
        >>> sorted(UCB1(n_arms=2).state_dict())
        ['active', 'counts', 'rng', 'rng_pos', 'sums']
        """
        if self._BUFFERED:
            out: dict[str, Any] = {"rng": self._block_start.copy(), "rng_pos": np.int64(self._pos)}
        else:
            out = {"rng": rng_state(self._rng), "rng_pos": np.int64(0)}
        self._sync()
        out["active"] = self._active.copy()
        for field, _ in self._FIELDS:
            out[field] = getattr(self, "_" + field).copy()
        return out

    def _field_shape(self, k: int, trailing: tuple) -> tuple:
        return (k,) + tuple(getattr(self, "dim") if t == "d" else t for t in trailing)

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Replace the state; the number of arms follows the state. Nothing changes on error.

        Examples
        --------
        >>> from edgeadapt.bandit import UCB1
        >>> a = UCB1(n_arms=2); a.add_arm()
        2
        >>> b = UCB1(n_arms=2); b.load_state_dict(a.state_dict()); b.n_arms
        3
        """
        names = [f for f, _ in self._FIELDS]
        expect_keys(state, names + ["rng", "rng_pos", "active"], self)
        words = expect_array(state, "rng", (RNG_STATE_WORDS,), np.uint64, self)
        pos = int(expect_array(state, "rng_pos", (), np.int64, self))
        if not 0 <= pos <= (UNIFORM_BLOCK if self._BUFFERED else 0):
            raise StateMismatchError(f"{type(self).__name__}: state entry 'rng_pos' is out of range; reset the state")
        active = expect_array(state, "active", (None,), np.bool_, self)
        k = active.shape[0]
        if k < 1:
            raise StateMismatchError(f"{type(self).__name__}: state has no arm; the state is damaged: reset it")
        values = {f: expect_array(state, f, self._field_shape(k, t), FLOAT, self) for f, t in self._FIELDS}
        self._validate(values)
        probe = np.random.Generator(np.random.PCG64(0))
        try:
            set_rng_state(probe, words)
        except (ValueError, TypeError) as exc:
            raise StateMismatchError(f"{type(self).__name__}: state entry 'rng' is not a PCG64 state") from exc
        set_rng_state(self._rng, words)
        if self._BUFFERED:
            self._block_start = words
            self._uniforms = self._rng.random(UNIFORM_BLOCK).tolist()
            self._pos = pos
        self._active = active
        self.n_arms = k
        for f, v in values.items():
            setattr(self, "_" + f, v)
        self._refresh()

    def _validate(self, values: dict[str, np.ndarray]) -> None:
        """Raise StateMismatchError for values that no sequence of updates can give."""
        for name in ("counts",):
            if name in values and (values[name] < 0.0).any():
                raise StateMismatchError(f"{type(self).__name__}: state entry {name!r} is negative; reset the state")

    def counts(self) -> np.ndarray:
        """Number of updates per arm.

        Examples
        --------
        >>> from edgeadapt.bandit import EpsilonGreedy
        >>> EpsilonGreedy(n_arms=2).counts().tolist()
        [0.0, 0.0]
        """
        self._sync()
        return self._counts.copy()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n_arms={self.n_arms}, seed={self.seed})"
