"""Conformance cases of the predictive-maintenance classes and the alert guard."""

from __future__ import annotations

import numpy as np

from edgeadapt.apps.maintenance import MachineWatch, MaintenanceConfig, TimeLine
from edgeadapt.apps.maintenance.baseline import Baseline, BaselineScorer, Calibration
from edgeadapt.apps.maintenance.monitor import AdaptationLimiter, Monitor, Trend
from edgeadapt.apps.maintenance.slow import SlowScale
from edgeadapt.apps.maintenance.watch import Cursor
from edgeadapt.conformance import Case
from edgeadapt.guard.alerts import AlertGuard

DIM = 4
RNG = np.random.default_rng(17)
X = RNG.normal(size=(160, DIM))
SHIFTED = X[:40] + 9.0
ONE = [(X[i],) for i in range(60)]
ROWS_OF = lambda k: (X[k : k + 5],)  # noqa: E731
NOT_CALIBRATED = "raises until calibrated (after reset); pure, covered by queries"


def _learned_mode():
    b = Baseline(DIM)
    b.update_many(SHIFTED)
    return b


def _scorer():
    # feature 0 is a level: its evidence is tested in the middle of learning
    return BaselineScorer(DIM, learn_windows=48, group=4, levels=(0,))


def _monitor():
    return Monitor(BaselineScorer(DIM, learn_windows=48), AlertGuard(3.0, 1.6, 2, 3), AdaptationLimiter(3))


def _feed_monitor(m, a, b):
    m.update_many(np.concatenate([X[a:b], SHIFTED[: (b - a) // 2]]))


def _telemetry_rows(a, b):
    t = 1.7e9 + np.arange(a, b) * 300.0
    v = 20.0 + np.sin(np.arange(a, b) / 5.0) + X[a % 100 : a % 100 + (b - a), 0][: b - a] * 0.1
    rows = np.stack([t, v], axis=1)
    if b - a > 10:
        rows[3, 1] = np.nan  # a missing value: skipped and counted
    return rows


def _watch():
    return MachineWatch(MaintenanceConfig.telemetry(scales=(1, 2), learn_windows=160))


def _feed_watch(w, a, b):
    w.seek("t.csv")
    w.update_many(_telemetry_rows(a, b))


def _feed_timeline(tl, a, b):
    tl.windows(_telemetry_rows(a, b))


def _guard_feed(g, s):
    g.update_many(s)


SCORES = [(RNG.uniform(0.0, 6.0, size=7),) for _ in range(12)]

CASES = [
    Case("Baseline", lambda: Baseline(DIM, blocks=2), ONE, bad_updates=[(np.full(DIM, np.nan),), (np.ones(DIM + 1),)],
         calls={"update_many": [(X[:7],)], "clip": [(X[:3], 2.0)], "deviations": [(X[:3],)], "distance": [(X[:3],)],
                "check": [(X[:3],)], "same_layout": [(Baseline(DIM, 2),)], "deviations_checked": [(X[:3],)],
                "set_used": [([True, False, True, True],)]},
         queries=[lambda b: b.distance(X[:5]), lambda b: b.copy()]),
    Case("Calibration", lambda: Calibration(2, (2.0, 1.0)), [(X[i : i + 3, :2],) for i in range(0, 30, 3)],
         method="update_many", calls={"update_many": [(X[:3, :2],)]}),
    Case("BaselineScorer", _scorer, [(X[i : i + 8],) for i in range(0, 160, 8)], method="update_many", merge=False,
         calls={"update": [(X[0],)], "update_many": [(X[:9],)], "adapt": [(X[1], 0, 1.0)], "add_mode": [(_learned_mode(),)],
                "advance": [(X[:5],)]},
         skip={"score_many": NOT_CALIBRATED, "log10_tails": NOT_CALIBRATED},
         queries=[lambda s: s.evidence(), lambda s: s.remaining()]),
    Case("AdaptationLimiter", lambda: AdaptationLimiter(every=3), [(k % 3 + 1,) for k in range(10)], merge=False,
         calls={"update": [(2,)]}),
    Case("Trend", lambda: Trend(DIM), [(float(i), X[i]) for i in range(20)], merge=False,
         calls={"update": [(99.0, X[0])]}),
    Case("SlowScale", lambda: SlowScale(DIM, 5), [(X[i : i + 3],) for i in range(0, 36, 3)], method="update_many",
         merge=False, calls={"update_many": [(X[:7],)], "group_means": [(X[:7],)]}),
    Case("Monitor", _monitor, [(0, 40), (40, 80), (80, 120), (120, 160)], method=_feed_monitor, merge=False,
         calls={"update_many": [(np.concatenate([X[:30], SHIFTED[:20]]),)], "extend": [(X[:6],)]},
         skip={"accept": "needs an alert with enough windows; tests/maintenance/test_maint_realdata.py accepts modes"}),
    Case("Cursor", Cursor, [("a.csv",), ("a.csv",), ("b.csv",)], method="seek", merge=False,
         calls={"seek": [("c.csv",)], "update": [(5,)]}),
    Case("TimeLine", lambda: TimeLine(window=3, width=2, period=300.0), [(0, 30), (30, 60), (60, 90)],
         method=_feed_timeline, merge=False, calls={"windows": [(_telemetry_rows(200, 230),)]}),
    Case("MachineWatch", _watch, [(0, 80), (80, 160), (160, 240), (240, 320)], method=_feed_watch, merge=False,
         calls={"update_many": [(_telemetry_rows(400, 420),)], "extend": [(_telemetry_rows(420, 440),)],
                "seek": [("other.csv",)]},
         skip={"accept": "needs an alert with enough windows; tests/maintenance/test_maint_cli_hardening.py accepts one"}),
    Case("AlertGuard", lambda: AlertGuard(3.0, 1.6, 2, 3), SCORES, method=_guard_feed, merge=False,
         bad_updates=[], calls={"update": [(4.0,)], "update_many": [([4.0, 0.1],)], "preview": [([4.0, 4.0],)]}),
]
