"""Mutation tracking of the core protocol: versions, listeners, parts, atomic changes."""

from __future__ import annotations

import numpy as np
import pytest

from edgeadapt.core import StateGroup, Stateful, conditional_mutator, mutator, registered_classes
from edgeadapt.learn import Moments
from edgeadapt.state import MemoryStore, Persistent


class Pair(Stateful):
    """A composite whose own mutator changes both parts."""

    def __init__(self):
        self.a, self.b = Moments(1), Moments(1)
        self.adopt(a=self.a, b=self.b)
        self.steps = 0

    @mutator
    def update_both(self, x):
        self.a.update(x)
        self.b.update(2.0 * x)
        self.steps += 1

    @conditional_mutator
    def maybe(self, x):
        if x > 0:
            self.a.update(x)  # a part's change makes the conditional mutator a change

    def state_dict(self):
        return {"a.count": np.float64(self.a.count), "b.count": np.float64(self.b.count), "steps": np.int64(self.steps)}

    def load_state_dict(self, state):
        self.steps = int(state["steps"])


def test_an_unobserved_component_is_not_wrapped_and_an_observed_one_is():
    m = Moments(1)
    assert "update" not in vars(m)
    assert m.version == 0
    assert "update" in vars(m)
    m.update(1.0)
    assert m.version == 1


def test_a_composite_mutator_reports_one_change_after_all_its_parts_changed():
    pair = Pair()
    seen = []
    pair.subscribe(lambda node: seen.append((node.a.count, node.b.count, node.steps)))
    pair.update_both(1.0)
    assert seen == [(1.0, 1.0, 1)]  # one call, when the whole change was made


def test_a_change_of_a_part_reaches_the_listeners_of_the_whole():
    pair = Pair()
    seen = []
    pair.subscribe(lambda node: seen.append(node.version))
    before = pair.version
    pair.a.update(3.0)
    assert len(seen) == 1 and pair.version > before


def test_conditional_mutator_counts_only_real_changes():
    pair = Pair()
    seen = []
    pair.subscribe(lambda node: seen.append(1))
    pair.maybe(-1.0)
    assert seen == []
    pair.maybe(2.0)
    assert seen == [1]


def test_a_mutator_that_raises_does_not_move_the_version():
    m = Moments(2)
    v = m.version
    with pytest.raises(ValueError):
        m.update([np.nan, 0.0])
    assert m.version == v


def test_a_part_belongs_to_one_composite_and_replacing_it_keeps_the_version_moving():
    child = Moments(1)
    g = StateGroup(x=child)
    with pytest.raises(ValueError, match="already belongs"):
        StateGroup(y=child)
    child.update(1.0)
    child.update(1.0)
    before = g.version
    g.adopt(x=Moments(1))  # a fresh part with version 0
    assert g.version > before
    with pytest.raises(TypeError, match="not a Stateful"):
        g.adopt(z=object())


def test_persistent_writes_once_per_composite_change(monkeypatch):
    store = MemoryStore()
    p = Persistent(Pair(), store)
    saves = []
    real_save = store.save
    monkeypatch.setattr(store, "save", lambda state: saves.append(dict(state)) or real_save(state))
    p.update_both(1.0)
    p.update_both(2.0)
    assert [(s["a.count"], s["b.count"], s["steps"]) for s in saves] == [(1.0, 1.0, 1), (2.0, 2.0, 2)]


def test_iadd_is_tracked_on_observed_components_only():
    a, b = Moments(1), Moments(1)
    b.update(1.0)
    a += b  # unobserved: fine, no tracking cost
    assert a.count == 1.0
    v = a.version
    a += b
    assert a.version == v + 1


def test_registry_lists_the_package_classes():
    import edgeadapt.bandit  # noqa: F401  (registration happens at import)

    names = {c.__name__ for c in registered_classes()}
    assert {"Moments", "LinUCB", "StateGroup"} <= names
    assert "Policy" not in names  # abstract bases stay out
