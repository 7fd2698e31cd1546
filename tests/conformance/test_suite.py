"""The conformance suite over every stateful class of edgeadapt.

Cases live in the ``cases_*.py`` modules beside this file (one per area, each with a
``CASES`` list); this module collects them all, runs :func:`edgeadapt.conformance.check_all`
on each, and fails when a :class:`~edgeadapt.core.Stateful` class of the package has no
case, or a class with ``state_dict`` is not a ``Stateful``.
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
from pathlib import Path

import numpy as np
import pytest

from edgeadapt.conformance import Case, ConformanceError, check_all, check_merge, check_restart, check_roundtrip
from edgeadapt.conformance import check_seeded, check_version_tracking, import_all, uncovered_classes
from edgeadapt.core import Stateful, mutator

HERE = Path(__file__).resolve().parent


def _load_cases() -> list[Case]:
    cases: list[Case] = []
    for path in sorted(HERE.glob("cases_*.py")):
        name = f"edgeadapt_conformance_{path.stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        cases.extend(module.CASES)
    return cases


CASES = _load_cases()
LEARN = sys.modules["edgeadapt_conformance_cases_learn"]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_conformance(case):
    done = check_all(case)
    assert {"roundtrip", "bad_state", "version_tracking"} <= set(done)


def test_every_stateful_class_has_a_case():
    missing = uncovered_classes(CASES)
    assert not missing, f"no conformance case for {missing}: add one to a tests/conformance/cases_*.py"


def test_every_class_with_a_state_is_stateful():
    """A class with state_dict that is not a Stateful would be invisible to persistence."""
    offenders = []
    for name in import_all():
        module = sys.modules[name]
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == name and hasattr(cls, "state_dict") and not issubclass(cls, Stateful):
                offenders.append(f"{name}.{cls.__qualname__}")
    assert not offenders, f"not Stateful but has state_dict: {offenders}"


# ----------------------------------------------------------------- the checks can fail
def test_forgetting_breaks_exact_merge_as_documented():
    with pytest.raises(ConformanceError):
        check_merge(lambda: LEARN.Moments(LEARN.DIM, forgetting=0.9), LEARN.rows(LEARN.X))


def test_checks_catch_a_broken_component():
    class Leaky(LEARN.Moments):
        def update_many(self, X, weights=None):  # forgets the old state: not the loop
            self.__init__(self.dim)
            super().update_many(X, weights)

    with pytest.raises(ConformanceError):
        check_all(Case("leaky", lambda: Leaky(LEARN.DIM), LEARN.rows(LEARN.X), batch=LEARN.stack_x))


def test_checks_catch_a_policy_that_forgets_its_generator():
    class Forgetful(LEARN.EpsilonGreedy):
        def load_state_dict(self, state):
            keep = self.state_dict()
            super().load_state_dict({**state, "rng": keep["rng"], "rng_pos": keep["rng_pos"]})

    with pytest.raises(ConformanceError):
        check_seeded(lambda: Forgetful(LEARN.K, epsilon=0.5, seed=1), LEARN.play)


def test_checks_catch_an_aliasing_state_dict():
    class Aliasing(LEARN.Moments):
        def state_dict(self):
            return {"count": np.float64(self._count), "mean": self._mean, "m2": self._m2}

    with pytest.raises(ConformanceError):
        check_roundtrip(lambda: Aliasing(LEARN.DIM), LEARN.rows(LEARN.X))


class Unmarked(Stateful):
    """Changes its state in a method nobody marked: the bug the version check exists for."""

    def __init__(self):
        self.n = 0

    @mutator
    def update(self, k):
        self.n += k

    def bump(self):
        self.n += 1

    def state_dict(self):
        return {"n": np.int64(self.n)}

    def load_state_dict(self, state):
        self.n = int(state["n"])


class Noisy(Unmarked):
    """Moves its version on a method that changes nothing."""

    bump = mutator(lambda self: None)


def test_version_check_catches_an_unmarked_mutation():
    with pytest.raises(ConformanceError, match="bump.*changed the state but not the version"):
        check_version_tracking(Unmarked, [(1,)], {"update": [(2,)]})


def test_version_check_catches_a_version_that_moves_for_nothing():
    with pytest.raises(ConformanceError, match="bump.*moved the version but left the state"):
        check_version_tracking(Noisy, [(1,)], {"update": [(2,)]})


def test_version_check_needs_a_recipe_for_methods_with_arguments():
    with pytest.raises(ConformanceError, match="update.*needs arguments"):
        check_version_tracking(Unmarked, [(1,)], {}, skip={"bump": "its own test above"})


class Amnesiac(Unmarked):
    """Keeps a memory outside its state: a restart forgets it."""

    def __init__(self):
        super().__init__()
        self.memory = 0

    @mutator
    def update(self, k):
        self.n += k
        self.memory += k

    def bump(self):
        """Reads the memory into the state."""
        self.n = self.memory


def test_restart_check_catches_a_memory_outside_the_state():
    def feed(c, k):
        c.update(k)
        c.bump()

    with pytest.raises(ConformanceError, match="restart"):
        check_restart(Amnesiac, [(1,), (2,), (3,), (4,)], method=feed)
