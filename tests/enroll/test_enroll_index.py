"""EnrollmentIndex on real faiss: add, search, remove, eviction, transform, persistence."""

from __future__ import annotations

import numpy as np
import pytest

from edgeadapt.enroll import BackgroundNormalizer, EnrollmentIndex
from edgeadapt.errors import InputError, StateError
from edgeadapt.state import FileStore, encode_blob, persist


def unit(x):
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def test_search_matches_bruteforce_cosine():
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((50, 24)).astype(np.float32)
    queries = rng.standard_normal((7, 24)).astype(np.float32)
    index = EnrollmentIndex(dim=24, capacity=64)
    for i in range(5):
        index.add(vectors[i * 10:(i + 1) * 10], label=f"user{i}")
    scores, ids = index.search(queries, k=5)
    expected = unit(queries) @ unit(vectors).T
    order = np.argsort(-expected, axis=1)[:, :5]
    np.testing.assert_array_equal(ids, order)
    np.testing.assert_allclose(scores, np.take_along_axis(expected, order, 1), atol=1e-5)
    best = index.best_per_label(queries[0])
    for i in range(5):
        assert best[f"user{i}"] == pytest.approx(expected[0, i * 10:(i + 1) * 10].max(), abs=1e-5)


def test_remove_and_remove_label_keep_search_consistent():
    rng = np.random.default_rng(1)
    v = rng.standard_normal((6, 8)).astype(np.float32)
    index = EnrollmentIndex(dim=8)
    index.add(v[:3], label="a")
    index.add(v[3:], label="b")
    assert index.remove([1]) == 1
    assert index.remove([1]) == 0
    scores, ids = index.search(v[2], k=1)
    assert ids[0, 0] == 2 and scores[0, 0] == pytest.approx(1.0, abs=1e-5)
    assert index.remove_label("b") == 3
    assert index.labels == ["a"] and index.size == 2
    _, ids = index.search(v[4], k=index.size)
    assert set(ids[0].tolist()) == {0, 2}


@pytest.mark.parametrize("policy,expected", [("oldest", ["p1", "p2", "new"]), ("least_used", ["p0", "p2", "new"])])
def test_eviction_policies_spare_pinned_entries(policy, expected):
    index = EnrollmentIndex(dim=2, capacity=4, eviction=policy)
    index.add([1.0, 0.0], label="pinned", pinned=True)
    for i in range(3):
        index.add([float(i), 1.0], label=f"p{i}")
    index.record_hits([1])  # p0 used once
    index.add([5.0, 5.0], label="new")
    labels = [e.label for e in index.entries()]
    assert labels[0] == "pinned" and labels[1:] == expected
    assert index.size == 4


def test_full_index_that_cannot_evict_raises():
    index = EnrollmentIndex(dim=2, capacity=2, eviction="refuse")
    index.add([[1.0, 0.0], [0.0, 1.0]], label="x")
    with pytest.raises(InputError, match="full"):
        index.add([1.0, 1.0], label="y")
    pinned = EnrollmentIndex(dim=2, capacity=1)
    pinned.add([1.0, 0.0], label="x", pinned=True)
    with pytest.raises(InputError, match="pinned"):
        pinned.add([1.0, 1.0], label="y")


@pytest.mark.parametrize("bad,match", [
    (np.zeros((2, 3)), "shape"),
    ([[np.nan, 0.0, 0.0, 0.0]], "NaN"),
    ([[np.inf, 0.0, 0.0, 0.0]], "NaN or Inf"),
    (np.array([["a", "b", "c", "d"]]), "real numbers"),
])
def test_bad_vectors_raise(bad, match):
    index = EnrollmentIndex(dim=4)
    with pytest.raises(InputError, match=match):
        index.add(bad, label="x")
    assert index.size == 0


def test_bad_labels_and_config_raise():
    index = EnrollmentIndex(dim=2)
    for label in ["", "a\nb", "x" * 65, 3]:
        with pytest.raises(InputError, match="label"):
            index.add([1.0, 0.0], label=label)
    with pytest.raises(InputError, match="eviction"):
        EnrollmentIndex(dim=2, eviction="random").add([1.0, 0.0], label="x")
    with pytest.raises(InputError, match="capacity"):
        EnrollmentIndex(dim=2, capacity=0).add([1.0, 0.0], label="x")


def test_transform_applies_to_entries_and_queries():
    bg = BackgroundNormalizer(dim=2)
    bg.update_many(np.array([[10.0, 0.0], [12.0, 2.0]]))
    index = EnrollmentIndex(dim=4)
    index.add([[12.0, 2.0, 10.0, 0.0]], label="x")
    raw = index.search([[12.0, 2.0, 10.0, 0.0]])[0][0, 0]
    index.set_transform(bg.frozen())
    z = bg.transform(np.array([[12.0, 2.0, 10.0, 0.0]]))[0]
    assert z.tolist() == [1.0, 1.0, -1.0, -1.0]
    q = np.array([[12.0, 2.0, 12.0, 2.0]])       # z = [1, 1, 1, 1]: orthogonal to the entry's z
    assert index.search(q)[0][0, 0] == pytest.approx(0.0, abs=1e-6)
    assert raw == pytest.approx(1.0, abs=1e-6)
    np.testing.assert_array_equal(index.vectors(), [[12.0, 2.0, 10.0, 0.0]])  # stored raw


def test_state_round_trip_is_byte_identical_and_rebuilds_faiss(tmp_path):
    rng = np.random.default_rng(2)
    index = EnrollmentIndex(dim=16, capacity=8)
    index.add(rng.standard_normal((3, 16)), label="alice", pinned=True, time=1.5)
    index.add(rng.standard_normal((2, 16)), label="bob", source="pseudo", time=2.5)
    index.record_hits([0, 0, 4])
    index.remove([1])
    path = tmp_path / "index.ea"
    with persist(EnrollmentIndex(dim=16, capacity=8), path) as p:
        p.load_state_dict(index.state_dict())
        p.flush()
    reloaded = EnrollmentIndex(dim=16, capacity=8)
    state = FileStore(path).load()
    state.pop("__component__")
    reloaded.load_state_dict(state)
    assert encode_blob(reloaded.state_dict()) == encode_blob(index.state_dict())
    assert reloaded.entries() == index.entries()
    q = rng.standard_normal((4, 16))
    for a, b in zip(reloaded.search(q, k=3), index.search(q, k=3)):
        np.testing.assert_array_equal(a, b)
    assert reloaded.add(np.ones(16), label="carol") == [5]  # ids are never reused


def test_persist_saves_after_each_mutator(tmp_path):
    path = tmp_path / "p.ea"
    with persist(EnrollmentIndex(dim=3), path) as p:
        p.add([1.0, 2.0, 3.0], label="x")
        assert FileStore(path).load()["vectors"].shape == (1, 3)
        p.remove_label("x")
        assert FileStore(path).load()["vectors"].shape == (0, 3)


def test_load_refuses_bad_state_and_changes_nothing():
    index = EnrollmentIndex(dim=2, capacity=4)
    index.add([1.0, 0.0], label="x")
    before = encode_blob(index.state_dict())
    good = index.state_dict()
    wrong_dim = dict(good, vectors=np.zeros((1, 3), np.float32))
    bad_code = dict(good, label_codes=np.array([5], np.int32))
    nan = dict(good, vectors=np.array([[np.nan, 0.0]], np.float32))
    too_many = EnrollmentIndex(dim=2, capacity=8)
    too_many.add(np.eye(2).repeat(3, axis=0)[:5], label="y")
    for state in (wrong_dim, bad_code, nan, too_many.state_dict()):
        with pytest.raises(StateError):  # StateMismatchError or NonFiniteStateError
            index.load_state_dict(state)
        assert encode_blob(index.state_dict()) == before


def test_normalizer_merge_equals_one_pass_and_round_trips():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((40, 5)) * 3 + 1
    a, b, both = BackgroundNormalizer(5), BackgroundNormalizer(5), BackgroundNormalizer(5)
    a.update_many(x[:25])
    b.update_many(x[25:])
    both.update_many(x)
    a += b
    np.testing.assert_allclose(a.statistics()[0], both.statistics()[0], rtol=1e-6)
    np.testing.assert_allclose(a.statistics()[1], both.statistics()[1], rtol=1e-6)
    np.testing.assert_allclose(a.transform(x[:2]), (x[:2] - x.mean(0)) / x.std(0), rtol=1e-4)
    c = BackgroundNormalizer(5)
    c.load_state_dict(a.state_dict())
    assert encode_blob(c.state_dict()) == encode_blob(a.state_dict())
    with pytest.raises(InputError, match="whole frames"):
        a.transform(np.zeros((1, 7)))
