import numpy as np
import pytest

from edgeadapt.apps.maintenance import AdaptationLimiter, Baseline, BaselineScorer, Monitor
from edgeadapt.errors import InputError, StateMismatchError
from edgeadapt.guard.alerts import AlertGuard
from edgeadapt.state import decode_blob, encode_blob


def _stream(n, dim=6, seed=0):
    rng = np.random.default_rng(seed)
    mix, offset = rng.normal(size=(dim, dim)), rng.normal(size=dim) * 3
    return rng.normal(size=(n, dim)) @ mix + offset


def test_baseline_distance_is_the_regularized_block_mahalanobis():
    X = _stream(500)
    b = Baseline(dim=6, blocks=2, shrinkage=0.1)
    b.update_many(X)
    q = _stream(5, seed=1)
    want = np.zeros(5)
    for k in range(2):
        part = X[:, 3 * k : 3 * k + 3]
        c = np.cov(part, rowvar=False, ddof=0)
        reg = 0.9 * c + np.diag(0.1 * np.diag(c) + 1e-6 * np.diag(c))
        d = q[:, 3 * k : 3 * k + 3] - part.mean(0)
        want += np.einsum("ni,ij,nj->n", d, np.linalg.inv(reg), d)
    np.testing.assert_allclose(b.distance(q), want, rtol=1e-8)


def test_baseline_merge_equals_one_pass():
    X = _stream(300)
    a, b, one = Baseline(6, 3), Baseline(6, 3), Baseline(6, 3)
    a.update_many(X[:100])
    b.update_many(X[100:])
    one.update_many(X)
    a += b
    for (ka, va), (ko, vo) in zip(sorted(a.state_dict().items()), sorted(one.state_dict().items())):
        assert ka == ko
        np.testing.assert_allclose(va, vo, rtol=1e-10, atol=1e-9)


def test_scorer_learns_then_monitors_with_holdout_calibration():
    s = BaselineScorer(dim=6, learn_windows=400, blocks=2)
    X = _stream(400)
    s.update_many(X[:150])
    assert s.phase == "learning" and s.remaining() == 250
    with pytest.raises(InputError, match="not calibrated"):
        s.score_many(X[:2])
    s.update_many(X[150:])
    assert s.phase == "monitoring"
    held = 200 // 4  # every 4th window of the second half
    assert s.calibration.count == held and s.baseline.count == 400 - held
    # on fresh normal data few windows reach the 3-sigma threshold (-log10 1.35e-3)
    scores = s.score_many(_stream(2000, seed=0)[-1000:])
    assert (scores > 2.87).mean() < 0.01
    assert s.score_many(_stream(1, seed=0) + 50.0)[0] > 10.0


def test_scorer_state_round_trip_is_byte_identical():
    s = BaselineScorer(dim=6, learn_windows=200, blocks=3)
    s.update_many(_stream(250))
    blob = encode_blob(s.state_dict())
    t = BaselineScorer(dim=6, learn_windows=200, blocks=3)
    t.load_state_dict(decode_blob(blob))
    assert encode_blob(t.state_dict()) == blob
    q = _stream(10, seed=5)
    assert np.array_equal(s.score_many(q), t.score_many(q))


def test_scorer_refuses_a_state_of_another_layout_and_changes_nothing():
    s = BaselineScorer(dim=6, learn_windows=200, blocks=3)
    s.update_many(_stream(100))
    before = encode_blob(s.state_dict())
    other = BaselineScorer(dim=6, learn_windows=200, blocks=2)
    other.update_many(_stream(100))
    with pytest.raises(StateMismatchError):
        s.load_state_dict(other.state_dict())
    assert encode_blob(s.state_dict()) == before


def test_merged_scorers_equal_learning_both_streams_baselines():
    X = _stream(400)
    a = BaselineScorer(dim=6, learn_windows=200)
    b = BaselineScorer(dim=6, learn_windows=200)
    a.update_many(X[:200])
    b.update_many(X[200:])
    a += b
    assert a.baseline.count == 2 * 175 and a.calibration.count == 50
    both = Baseline(6)
    idx = np.arange(200)
    keep = ~((idx >= 100) & (idx % 4 == 3))
    both.update_many(np.concatenate([X[:200][keep], X[200:][keep]]))
    np.testing.assert_allclose(a.baseline.distance(X[:5]), both.distance(X[:5]), rtol=1e-9)


def _monitor(every=5):
    return Monitor(
        BaselineScorer(dim=6, learn_windows=200, blocks=2),
        AlertGuard(on=2.87, off=1.64, min_duration=2, refractory=3),
        AdaptationLimiter(every=every),
    )


def _feed(mon, X, cuts):
    out, start = [], 0
    for c in cuts:
        mon.update_many(X[start : start + c])
        out.append((mon.results.score, mon.results.alert, mon.results.adapted))
        start += c
    return [np.concatenate(v) for v in zip(*out)]


def test_monitor_results_do_not_depend_on_batch_sizes():
    X = np.concatenate([_stream(900), _stream(100, seed=0)[-100:] + 4.0, _stream(1200)[-200:]])
    ref = _monitor()
    want = _feed(ref, X, [len(X)])
    for cuts in ([1] * 50 + [len(X) - 50], [199, 2, 700, 299], [33] * 36 + [len(X) - 33 * 36]):
        mon = _monitor()
        got = _feed(mon, X, cuts)
        for g, w in zip(got, want):
            assert np.array_equal(g, w, equal_nan=True)
        assert encode_blob(mon.state_dict()) == encode_blob(ref.state_dict())


def test_adaptation_is_rate_limited_and_frozen_during_alerts():
    X = np.concatenate([_stream(1200), _stream(300, seed=0)[-300:] + 6.0])
    mon = _monitor(every=7)
    mon.update_many(X)
    r = mon.results
    adapted = np.flatnonzero(r.adapted)
    assert len(adapted) > 10
    assert np.all(np.diff(adapted) >= 7)
    assert not np.any(r.adapted & r.alert)
    assert mon.scorer.baseline.count == 175 + len(adapted)


def test_slowly_growing_fault_is_not_learned_away():
    rng = np.random.default_rng(3)
    normal = _stream(3000)
    drift = np.linspace(0.0, 8.0, 2000)[:, None] * rng.normal(size=6)
    X = np.concatenate([normal[:1000], normal[1000:3000] + drift])
    with_adapt = _monitor(every=1)
    with_adapt.update_many(X)
    assert with_adapt.guard.alerts >= 1 and with_adapt.guard.active
    frozen = Monitor(BaselineScorer(6, 200, 2), AlertGuard(2.87, 1.64, 2, 3), adapt=False)
    frozen.update_many(X)
    first = lambda m: int(np.flatnonzero(m.results.event == np.array("raised"))[0])  # noqa: E731
    ev_a = np.array(with_adapt.results.event)
    ev_f = np.array(frozen.results.event)
    # adaptation delays detection a little at most
    assert np.flatnonzero(ev_a == "raised")[0] <= np.flatnonzero(ev_f == "raised")[0] + 200


def test_reset_goes_back_to_learning():
    mon = _monitor()
    mon.update_many(_stream(300))
    mon.reset()
    assert mon.scorer.phase == "learning" and mon.windows == 0 and mon.scorer.baseline.count == 0
    mon.update_many(_stream(10))
    assert mon.results.learning.all()


def test_a_level_that_wanders_through_learning_is_left_out_and_a_stationary_one_kept():
    from edgeadapt.apps.maintenance.baseline import LEVEL_EVIDENCE

    rng = np.random.default_rng(11)
    n = 400
    walk = np.cumsum(rng.normal(size=n))  # a drifting level: few independent windows
    X = np.column_stack([walk, rng.normal(size=n), rng.normal(size=n), np.diff(np.r_[0.0, walk])])
    scorer = BaselineScorer(dim=4, learn_windows=n, levels=(0, 1))
    scorer.update_many(X)
    evidence = scorer.level_windows()
    assert evidence[0] < LEVEL_EVIDENCE < evidence[1]
    assert scorer.used.tolist() == [False, True, True, True] and scorer.used_dim == 3
    # a far level no longer moves the score; the other features still do
    probe = np.tile(X[-1], (2, 1))
    probe[0, 0] += 1e6
    a, b = scorer.score_many(probe)
    assert a == pytest.approx(b)
    # the choice is part of the state
    again = BaselineScorer(dim=4, learn_windows=n, levels=(0, 1))
    again.load_state_dict(decode_blob(encode_blob(scorer.state_dict())))
    assert again.used.tolist() == scorer.used.tolist() and again.modes[0].used.tolist() == scorer.used.tolist()
    # scaled by 1000, the same levels are left out (the evidence is unit-free)
    big = BaselineScorer(dim=4, learn_windows=n, levels=(0, 1))
    big.update_many(1000.0 * X)
    assert np.allclose(big.level_windows(), evidence)
