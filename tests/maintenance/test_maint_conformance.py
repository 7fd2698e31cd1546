"""State protocol conformance of every stateful maintenance component."""

import numpy as np
import pytest

from edgeadapt.apps.maintenance import AdaptationLimiter, Baseline, BaselineScorer, Cursor, MachineWatch, MaintenanceConfig, Monitor
from edgeadapt.apps.maintenance.slow import SlowScale
from edgeadapt.errors import StateError
from edgeadapt.guard.alerts import AlertGuard
from edgeadapt.state import decode_blob, encode_blob

DIM = 6


def _X(n, seed=0):
    return np.random.default_rng(seed).normal(size=(n, DIM))


def _guard():
    g = AlertGuard(0.5, 0.3, 2, 3)
    g.update_many(np.random.default_rng(1).uniform(size=50))
    return g


def _limiter():
    lim = AdaptationLimiter(every=4)
    lim.update(3)
    return lim


def _cursor():
    c = Cursor()
    c.seek("a.csv")
    c.update(99)
    return c


def _slow():
    s = SlowScale(DIM, 5)
    s.update_many(_X(13))
    return s


def _baseline():
    b = Baseline(DIM, 2)
    b.update_many(_X(40))
    return b


def _scorer():
    s = BaselineScorer(DIM, 64, blocks=2, group=4)
    s.update_many(_X(80))
    return s


def _monitor():
    m = Monitor(BaselineScorer(DIM, 64, blocks=2, group=4), AlertGuard(0.5, 0.3, 2, 3), AdaptationLimiter(3))
    m.update_many(np.concatenate([_X(100), _X(20, 1) + 5, _X(30, 2)]))
    return m


def _watch():
    w = MachineWatch(MaintenanceConfig.telemetry(scales=(1, 2), learn_windows=30))
    t = np.arange(60) * 300.0
    w.seek("t.csv")
    w.update_many(np.stack([t, np.sin(t / 3000.0)], 1))
    return w


def _timeline():
    from edgeadapt.apps.maintenance import TimeLine

    tl = TimeLine(window=4, width=3, period=60.0)
    rows = np.column_stack([np.arange(30) * 60.0, np.arange(60.0).reshape(30, 2)])
    rows[5, 1] = np.nan
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tl.windows(rows)
    return tl


def _trend():
    from edgeadapt.apps.maintenance.monitor import Trend

    t = Trend(DIM)
    for j, x in enumerate(_X(10)):
        t.update(float(j), x)
    return t


def _calibration():
    from edgeadapt.apps.maintenance.baseline import Calibration

    c = Calibration(2, (2.0, 1.0))
    c.update_many(_X(12)[:, :2])
    return c


FACTORIES = {
    "AlertGuard": (_guard, lambda: AlertGuard(0.5, 0.3, 2, 3)),
    "AdaptationLimiter": (_limiter, lambda: AdaptationLimiter(every=4)),
    "Cursor": (_cursor, Cursor),
    "TimeLine": (_timeline, lambda: __import__("edgeadapt.apps.maintenance", fromlist=["TimeLine"]).TimeLine(4, 3, 60.0)),
    "Trend": (_trend, lambda: __import__("edgeadapt.apps.maintenance.monitor", fromlist=["Trend"]).Trend(DIM)),
    "Calibration": (_calibration, lambda: __import__("edgeadapt.apps.maintenance.baseline", fromlist=["Calibration"]).Calibration(2, (2.0, 1.0))),
    "SlowScale": (_slow, lambda: SlowScale(DIM, 5)),
    "Baseline": (_baseline, lambda: Baseline(DIM, 2)),
    "BaselineScorer": (_scorer, lambda: BaselineScorer(DIM, 64, blocks=2, group=4)),
    "Monitor": (_monitor, lambda: Monitor(BaselineScorer(DIM, 64, blocks=2, group=4), AlertGuard(0.5, 0.3, 2, 3), AdaptationLimiter(3))),
    "MachineWatch": (_watch, lambda: MachineWatch(MaintenanceConfig.telemetry(scales=(1, 2), learn_windows=30))),
}


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_state_round_trip_is_byte_identical(name):
    used, fresh = FACTORIES[name]
    blob = encode_blob(used().state_dict())
    other = fresh()
    other.load_state_dict(decode_blob(blob))
    assert encode_blob(other.state_dict()) == blob


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_state_dict_returns_new_objects(name):
    used, _ = FACTORIES[name]
    comp = used()
    state = comp.state_dict()
    before = encode_blob(comp.state_dict())
    for v in state.values():
        if isinstance(v, np.ndarray) and v.size:
            v[...] = 7
    assert encode_blob(comp.state_dict()) == before


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_bad_states_raise_and_change_nothing(name):
    used, _ = FACTORIES[name]
    comp = used()
    before = encode_blob(comp.state_dict())
    state = comp.state_dict()
    key = sorted(state)[-1]
    missing = {k: v for k, v in state.items() if k != key}
    with pytest.raises(StateError):
        comp.load_state_dict(missing)
    extra = dict(state, bogus=np.zeros(1))
    with pytest.raises(StateError):
        comp.load_state_dict(extra)
    arrays = [k for k, v in state.items() if isinstance(v, np.ndarray) and v.dtype.kind == "f" and v.ndim]
    if arrays:
        nan = dict(state)
        nan[arrays[0]] = np.full_like(state[arrays[0]], np.nan)
        with pytest.raises(StateError):
            comp.load_state_dict(nan)
    assert encode_blob(comp.state_dict()) == before
