import numpy as np
import pytest

from edgeadapt.errors import InputError, StateMismatchError
from edgeadapt.guard.alerts import AlertGuard
from edgeadapt.state import decode_blob, encode_blob


def _run(guard, scores):
    active, events = [], []
    for s in scores:
        guard.update(s)
        active.append(guard.active)
        events.append(guard.event)
    return active, events


def test_min_duration_ignores_short_bursts():
    g = AlertGuard(on=0.5, min_duration=3)
    active, _ = _run(g, [0.9, 0.9, 0.1, 0.9, 0.9, 0.1, 0.9, 0.9, 0.9])
    assert active == [False] * 8 + [True] and g.alerts == 1


def test_hysteresis_keeps_the_alert_between_off_and_on():
    g = AlertGuard(on=0.6, off=0.3, min_duration=1)
    active, events = _run(g, [0.7, 0.5, 0.4, 0.31, 0.29, 0.5])
    assert active == [True, True, True, True, False, False]
    assert events == ["raised", "", "", "", "cleared", ""]


def test_without_hysteresis_an_alert_clears_below_on():
    g = AlertGuard(on=0.6, min_duration=1)
    active, _ = _run(g, [0.7, 0.59])
    assert active == [True, False]


def test_refractory_blocks_new_alerts_then_a_persisting_anomaly_re_alerts():
    g = AlertGuard(on=0.5, off=0.5, min_duration=2, refractory=4)
    scores = [0.9, 0.9, 0.1] + [0.9] * 6
    active, events = _run(g, scores)
    assert events.count("raised") == 2
    # cleared at step 2; steps 3-6 are refractory; the run kept counting, so step 7 raises
    assert active == [False, True, False, False, False, False, False, True, True]


def test_nan_scores_and_bad_levels_are_refused():
    with pytest.raises(InputError, match="NaN"):
        AlertGuard().update(float("nan"))
    with pytest.raises(InputError, match="off <= on"):
        AlertGuard(on=0.3, off=0.6).update(0.1)
    with pytest.raises(InputError, match="min_duration"):
        AlertGuard(min_duration=0).update(0.1)


def test_state_round_trip_is_byte_identical_and_resumes_the_same():
    rng = np.random.default_rng(0)
    scores = rng.uniform(size=200)
    a = AlertGuard(on=0.7, off=0.4, min_duration=2, refractory=3)
    a.update_many(scores[:117])
    blob = encode_blob(a.state_dict())
    b = AlertGuard(on=0.7, off=0.4, min_duration=2, refractory=3)
    b.load_state_dict(decode_blob(blob))
    assert encode_blob(b.state_dict()) == blob
    ra, _ = _run(a, scores[117:])
    rb, _ = _run(b, scores[117:])
    assert ra == rb and a.alerts == b.alerts


def test_bad_state_changes_nothing():
    g = AlertGuard()
    g.update(0.9)
    before = encode_blob(g.state_dict())
    bad = g.state_dict()
    bad["active"] = np.int8(7)
    with pytest.raises(StateMismatchError):
        g.load_state_dict(bad)
    with pytest.raises(StateMismatchError):
        g.load_state_dict({"active": np.int8(0)})
    assert encode_blob(g.state_dict()) == before


def _reference(guard_args, scores):
    """Plain step-by-step reading of the rules, to check the vectorized guard against."""
    on, off, min_duration, refractory = guard_args
    active, run, cooldown, out = False, 0, 0, []
    for s in scores:
        if active:
            if s < off:
                active, cooldown, run = False, refractory, 0
        else:
            blocked = cooldown > 0
            cooldown -= blocked
            run = run + 1 if s >= on else 0
            if run >= min_duration and not blocked:
                active = True
        out.append(active)
    return out


@pytest.mark.parametrize("seed", range(5))
def test_vectorized_guard_matches_step_by_step_rules_for_any_batching(seed):
    rng = np.random.default_rng(seed)
    scores = np.clip(rng.normal(0.4, 0.25, 3000) + 0.3 * np.sin(np.arange(3000) / 40), 0, 1)
    args = (0.6, 0.35, int(rng.integers(1, 5)), int(rng.integers(0, 30)))
    want = _reference(args, scores)
    whole = AlertGuard(*args)
    whole.update_many(scores)
    assert whole.history[0].tolist() == want
    pieces = AlertGuard(*args)
    got, start = [], 0
    while start < len(scores):
        step = int(rng.integers(1, 200))
        pieces.update_many(scores[start : start + step])
        got += pieces.history[0].tolist()
        start += step
    assert got == want
    assert encode_blob(pieces.state_dict()) == encode_blob(whole.state_dict())
