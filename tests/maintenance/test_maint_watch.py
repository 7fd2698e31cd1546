import numpy as np
import pytest

from edgeadapt.apps.maintenance import MachineWatch, MaintenanceConfig
from edgeadapt.errors import InputError, StateMismatchError
from edgeadapt.state import decode_blob, encode_blob


def _feed(watch, x, cuts):
    scores, start = [], 0
    for c in cuts:
        watch.update_many(x[start : start + c])
        scores.append(watch.results.score)
        start += c
    return np.concatenate(scores)


def test_watch_detects_a_growing_imbalance_without_false_alarms(small_config, normal_then_fault):
    x, onset = normal_then_fault
    w = MachineWatch(small_config)
    w.update_many(x)
    r, t = w.results, w.times
    raised = t[np.array(r.event) == "raised"]
    assert len(raised) >= 1
    assert raised[0] >= onset and raised[0] - onset < 15.0
    assert not np.any(r.alert[t < onset])


def test_watch_state_does_not_depend_on_chunking(small_config, normal_then_fault):
    x, _ = normal_then_fault
    x = x[: 100 * 4000]
    a, b = MachineWatch(small_config), MachineWatch(small_config)
    sa = _feed(a, x, [len(x)])
    cuts = [5000, 1, 1023, 77777] + [8192] * 19
    cuts.append(len(x) - sum(cuts))
    sb = _feed(b, x, cuts)
    assert np.array_equal(sa, sb, equal_nan=True)
    assert encode_blob(a.state_dict()) == encode_blob(b.state_dict())


@pytest.mark.parametrize("cut", [123457, 350001])  # while learning, while monitoring
def test_resume_from_saved_state_skips_consumed_rows(small_config, normal_then_fault, cut):
    x, _ = normal_then_fault
    ref = MachineWatch(small_config)
    ref.seek("f.csv")
    ref.update_many(x)
    first = MachineWatch(small_config)
    first.seek("f.csv")
    first.update_many(x[:cut])
    saved = decode_blob(encode_blob(first.state_dict()))
    again = MachineWatch(small_config)
    again.load_state_dict(saved)
    again.seek("f.csv")
    skip = again.skip_rows()
    assert skip == first.cursor.rows and skip % small_config.hop == 0 and 0 < cut - skip < small_config.window
    again.update_many(x[skip:])
    assert encode_blob(again.state_dict()) == encode_blob(ref.state_dict())


def test_stdin_is_never_skipped_but_keeps_baseline_and_guard(small_config, normal_then_fault):
    x, _ = normal_then_fault
    w = MachineWatch(small_config)
    w.seek("-")
    w.update_many(x[:300000])
    windows, learned = w.monitor.windows, w.monitor.scorer.baseline.count
    w.seek("-")
    assert w.skip_rows() == 0 and w.monitor.windows == windows and w.monitor.scorer.baseline.count == learned


def test_state_of_another_configuration_is_refused(small_config):
    w = MachineWatch(small_config)
    other = MachineWatch(MaintenanceConfig.vibration(4000.0, ("x", "y", "z"), window=1024, learn_windows=99))
    with pytest.raises(StateMismatchError, match="another configuration"):
        other.load_state_dict(w.state_dict())


def test_baseline_state_is_small_for_three_axes():
    cfg = MaintenanceConfig.vibration(10000.0, ("x", "y", "z"), learn_seconds=60)
    w = MachineWatch(cfg)
    state = w.state_dict()
    baseline = {k: v for k, v in state.items() if k.startswith("monitor.scorer.")}
    assert len(encode_blob(baseline)) < 8 * 1024
    assert len(encode_blob(state)) < 12 * 1024  # plus the candidate mode of an alert


def test_extend_and_merge(small_config, machine):
    from edgeadapt.apps.maintenance import synth

    x1 = synth.vibration(machine, 40.0, 4000.0, seed=21)
    x2 = synth.vibration(machine, 40.0, 4000.0, seed=22)
    a, b = MachineWatch(small_config), MachineWatch(small_config)
    a.update_many(x1)
    b.update_many(x2)
    n = a.monitor.scorer.baseline.count
    a += b
    assert a.monitor.scorer.baseline.count == n + b.monitor.scorer.baseline.count
    a.seek("more-normal.csv")
    a.extend(x2[:20000])
    assert a.monitor.scorer.baseline.count == n + b.monitor.scorer.baseline.count + (20000 - 1024) // 512 + 1
    with pytest.raises(InputError, match="same configuration"):
        a += MachineWatch(MaintenanceConfig.telemetry(learn_windows=20))


def test_config_checks():
    with pytest.raises(InputError, match="exactly one"):
        MaintenanceConfig.vibration(1000.0, ("x",))
    with pytest.raises(InputError, match="no spectral bin"):
        MaintenanceConfig.vibration(1000.0, ("x",), window=16, learn_windows=20)
    cfg = MaintenanceConfig.telemetry(learn_windows=30)
    assert MaintenanceConfig.from_json(cfg.to_json()) == cfg
    with pytest.raises(InputError, match=r"rows must have shape \(n, 2\)"):
        MachineWatch(cfg).update_many(np.zeros((3, 3)))
