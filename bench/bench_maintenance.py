"""Predictive-maintenance benchmark: edgeadapt baselining vs river, same streams, same windows.

Vibration: several synthetic machines (different normal signatures), each run with
every fault kind (outer/inner race bearing defects, imbalance, looseness) starting
after a learning period and a stretch of normal running, at low severity, growing.
Reported: detection delay from fault onset, false alarms per day of normal running,
window-level ROC AUC (fault windows vs normal windows), scoring throughput.

Telemetry: temperature-like series sampled every 5 minutes with labelled incidents
(step, ramp, spikes, stuck sensor, noise). Reported: precision and recall of alerts
within an acceptance window, and time to detect.

Peers: river's ``anomaly.HalfSpaceTrees`` (behind ``preprocessing.MinMaxScaler``, as
river documents, its window set to the number of learning windows) and
``anomaly.GaussianScorer`` (one per feature, maximum score), fed the very same feature
windows, learning on the same windows and then on every window they score (as river's
documentation intends), with a threshold calibrated on the same held-out windows (the
largest held-out score) and the same alert guard. Run::

    .venv/bin/python bench/bench_maintenance.py            # full run (a few minutes)
    .venv/bin/python bench/bench_maintenance.py --quick    # smoke run

Writes bench/out/maintenance.json, bench/out/maintenance.md (the tables for
docs/benchmarks.md) and docs/img/maintenance_scores.png.
"""

from __future__ import annotations

import os

# The throughput targets are for one core: keep BLAS single-threaded (set before numpy loads).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json
import math
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from edgeadapt.apps.maintenance import MachineWatch, MaintenanceConfig, synth
from edgeadapt.apps.maintenance.baseline import HOLDOUT_EVERY
from edgeadapt.features import Framer
from edgeadapt.guard.alerts import AlertGuard
from edgeadapt.state import encode_blob

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "out")
IMG = os.path.join(HERE, "..", "docs", "img", "maintenance_scores.png")

SAMPLE_RATE = 10000.0
CHANNELS = ("x", "y", "z")
WINDOW = 4096
HOP = 2048
SECONDS_PER_DAY = 86400.0
TELEMETRY_PERIOD = 300.0
ACCEPT_S = 3600.0  # an alert up to an hour after an incident ends still counts for it
SEVERITY_START, SEVERITY_END = 0.05, 1.0
BATCH = 2048  # windows handed to edgeadapt per call (a file being backfilled; about 7 min of signal)


@dataclass
class Run:
    scores: np.ndarray
    alerts_at: np.ndarray  # times at which alerts were raised
    seconds: float  # time spent scoring (monitoring windows only)
    windows: int


@dataclass
class Stream:
    name: str
    kind: str
    features: np.ndarray
    times: np.ndarray
    learn_windows: int
    onset: float = math.inf
    incidents: list = field(default_factory=list)
    runs: dict = field(default_factory=dict)


# ---------------------------------------------------------------- streams
def vibration_stream(machine_seed: int, kind: str, learn_s: float, normal_s: float, fault_s: float, cfg) -> tuple[Stream, float]:
    m = synth.MachineSpec.random(seed=machine_seed)
    onset = learn_s + normal_s
    fault = synth.Fault(kind, onset=onset, growth=fault_s, severity_start=SEVERITY_START, severity_end=SEVERITY_END)
    framer, feats = Framer(WINDOW, HOP), cfg.make_features()
    parts, seconds = [], 0.0
    seed = machine_seed * 100 + synth.FAULT_KINDS.index(kind)  # every stream has its own normal running too
    for chunk in synth.vibration_blocks(m, onset + fault_s, SAMPLE_RATE, seed=seed, fault=fault):
        t0 = time.perf_counter()
        parts.append(feats.transform(framer.push(chunk)))
        seconds += time.perf_counter() - t0
    F = np.concatenate(parts)
    times = (np.arange(len(F)) * HOP + WINDOW) / SAMPLE_RATE
    return Stream(f"machine {machine_seed}, {kind}", kind, F, times, cfg.learn_windows, onset=onset), seconds


def telemetry_stream(seed: int, days: int, learn_days: float, cfg) -> Stream:
    rng = np.random.default_rng(seed)
    incidents, start = [], learn_days * SECONDS_PER_DAY + rng.uniform(6, 18) * 3600
    sizes = {"step": (2.0, 4.0), "ramp": (3.0, 6.0), "spikes": (2.0, 4.0), "stuck": (0, 0), "noise": (4.0, 6.0)}
    end = days * SECONDS_PER_DAY - 12 * 3600
    while start < end:
        kind = synth.INCIDENT_KINDS[int(rng.integers(len(synth.INCIDENT_KINDS)))]
        lo, hi = sizes[kind]
        incidents.append(synth.Incident(kind, start, float(rng.uniform(2, 6)) * 3600, float(rng.uniform(lo, hi))))
        start += rng.uniform(24, 48) * 3600
    t, v = synth.telemetry(days, seed=seed, incidents=incidents, period=TELEMETRY_PERIOD, t0=0.0)
    framer, feats = Framer(cfg.window, 1), cfg.make_features()
    windows = framer.push(np.stack([t, v], 1))
    return Stream(f"sensor {seed}", "telemetry", feats.transform(windows), windows[:, -1, 0], cfg.learn_windows, incidents=incidents)


# ---------------------------------------------------------------- detectors
def run_edgeadapt(s: Stream, cfg: MaintenanceConfig) -> Run:
    mon = cfg.make_monitor()
    mon.update_many(s.features[: s.learn_windows])
    rest = s.features[s.learn_windows :]
    scores, events = [], []
    t0 = time.perf_counter()
    for a in range(0, len(rest), BATCH):
        mon.update_many(rest[a : a + BATCH])
        scores.append(mon.results.score)
        events += mon.results.event
    seconds = time.perf_counter() - t0
    sc = np.concatenate([np.full(s.learn_windows, np.nan)] + scores)
    ev = np.array([""] * s.learn_windows + events)
    return Run(sc, s.times[ev == "raised"], seconds, len(rest))


def _split(learn_windows: int) -> tuple[np.ndarray, np.ndarray]:
    idx = np.arange(learn_windows)
    held = (idx >= learn_windows // 2) & (idx % HOLDOUT_EVERY == HOLDOUT_EVERY - 1)
    return idx[~held], idx[held]


def run_river(s: Stream, make, cfg: MaintenanceConfig) -> Run:
    model = make(s.features.shape[1], s.learn_windows) if make is make_hst else make(s.features.shape[1])
    names = [f"f{i}" for i in range(s.features.shape[1])]
    rows = [dict(zip(names, r)) for r in s.features.tolist()]
    base, held = _split(s.learn_windows)
    for i in base:
        model.learn_one(rows[i])
    threshold = max(model.score_one(rows[i]) for i in held)
    guard = AlertGuard(on=np.nextafter(threshold, np.inf), min_duration=cfg.min_duration, refractory=cfg.refractory)
    for i in held:  # every learning window is learned, the held-out ones after calibrating
        model.learn_one(rows[i])
    scores = np.full(len(rows), np.nan)
    t0 = time.perf_counter()
    for i in range(s.learn_windows, len(rows)):
        scores[i] = model.score_one(rows[i])
        model.learn_one(rows[i])  # river's detectors keep learning, as their documentation intends
    seconds = time.perf_counter() - t0
    raised = []
    for i in range(s.learn_windows, len(rows)):
        guard.update(scores[i])
        if guard.event == "raised":
            raised.append(s.times[i])
    return Run(scores, np.array(raised), seconds, len(rows) - s.learn_windows)


class PerFeatureGaussian:
    """river GaussianScorer per feature (it is univariate); the window's score is the maximum."""

    def __init__(self, dim: int) -> None:
        from river import anomaly

        self.scorers = [anomaly.GaussianScorer(grace_period=1) for _ in range(dim)]

    def learn_one(self, x: dict) -> None:
        for s, v in zip(self.scorers, x.values()):
            s.learn_one(None, v)

    def score_one(self, x: dict) -> float:
        return max(s.score_one(None, v) for s, v in zip(self.scorers, x.values()))


def make_hst(dim: int, window: int = 250):
    from river import anomaly, preprocessing

    # the window is set for the data: the number of learning windows (river's default is 250)
    return preprocessing.MinMaxScaler() | anomaly.HalfSpaceTrees(window_size=window, seed=42)


DETECTORS = {
    "edgeadapt": None,
    "river HalfSpaceTrees": make_hst,
    "river GaussianScorer": PerFeatureGaussian,
}


# ---------------------------------------------------------------- metrics
def auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """ROC AUC by ranks (ties count half)."""
    pos, neg = pos[np.isfinite(pos)], neg[np.isfinite(neg)]
    if not len(pos) or not len(neg):
        return math.nan
    allv = np.concatenate([pos, neg])
    order = np.argsort(allv, kind="mergesort")
    ranks = np.empty(len(allv))
    sorted_v = allv[order]
    # average ranks for ties
    _, first, counts = np.unique(sorted_v, return_index=True, return_counts=True)
    avg = first + (counts - 1) / 2.0 + 1
    ranks[order] = np.repeat(avg, counts)
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def vibration_metrics(streams: list[Stream], name: str) -> dict:
    delays, missed, false_alarms, normal_s = {}, {}, 0, 0.0
    aucs = {}
    for s in streams:
        r = s.runs[name]
        learn_end = s.times[s.learn_windows - 1]
        false_alarms += int(np.sum(r.alerts_at < s.onset))
        normal_s += s.onset - learn_end
        late = r.alerts_at[r.alerts_at >= s.onset]
        delays.setdefault(s.kind, [])
        missed.setdefault(s.kind, 0)
        if len(late):
            delays[s.kind].append(float(late[0] - s.onset))
        else:
            missed[s.kind] += 1
        mon = np.arange(len(s.times)) >= s.learn_windows
        aucs.setdefault(s.kind, []).append(auc(r.scores[mon & (s.times >= s.onset)], r.scores[mon & (s.times < s.onset)]))
    return {
        "median_delay_s": {k: (float(np.median(v)) if v else math.inf) for k, v in delays.items()},
        "detected": {k: len(v) for k, v in delays.items()},
        "missed": missed,
        "false_alarms": false_alarms,
        "normal_hours": normal_s / 3600.0,
        "false_alarms_per_day": false_alarms / (normal_s / SECONDS_PER_DAY),
        "auc": {k: float(np.mean(v)) for k, v in aucs.items()},
    }


def telemetry_metrics(streams: list[Stream], name: str) -> dict:
    tp_alerts = alerts = found = total = 0
    ttd = []
    for s in streams:
        r = s.runs[name]
        t0 = 0.0  # the series start (synth.telemetry(..., t0=0.0)); incident times are relative to it
        learn_end = s.times[s.learn_windows - 1]
        raised = r.alerts_at[r.alerts_at > learn_end]
        alerts += len(raised)
        covered = np.zeros(len(raised), dtype=bool)
        for inc in s.incidents:
            lo, hi = t0 + inc.start, t0 + inc.start + inc.duration + ACCEPT_S
            inside = (raised >= lo) & (raised <= hi)
            covered |= inside
            total += 1
            if inside.any():
                found += 1
                ttd.append(float(raised[inside][0] - lo))
        tp_alerts += int(covered.sum())
    return {
        "precision": tp_alerts / alerts if alerts else math.nan,
        "recall": found / total if total else math.nan,
        "incidents": total,
        "alerts": alerts,
        "median_time_to_detect_min": float(np.median(ttd)) / 60 if ttd else math.inf,
    }


# ---------------------------------------------------------------- main
def end_to_end_speed(cfg: MaintenanceConfig, seconds: float) -> dict:
    """Real-time factor of MachineWatch on raw 3-axis samples (framing, features, scoring, guard)."""
    m = synth.MachineSpec.random(seed=99)
    learn = synth.vibration(m, cfg.learn_windows * HOP / SAMPLE_RATE + 1.0, SAMPLE_RATE, seed=1)
    watch = MachineWatch(cfg)
    watch.update_many(learn)
    x = synth.vibration(m, seconds, SAMPLE_RATE, seed=2, start=float(len(learn) / SAMPLE_RATE))
    chunk = 8192
    t0 = time.perf_counter()
    for a in range(0, len(x), chunk):
        watch.update_many(x[a : a + chunk])
    elapsed = time.perf_counter() - t0
    state = watch.state_dict()
    baseline = {k: v for k, v in state.items() if k.startswith("monitor.scorer.")}
    return {
        "signal_seconds": seconds,
        "elapsed_s": elapsed,
        "real_time_factor": seconds / elapsed,
        "state_bytes": len(encode_blob(state)),
        "baseline_bytes": len(encode_blob(baseline)),
    }


def plot(stream: Stream, path: str, threshold_names=("edgeadapt", "river HalfSpaceTrees")) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(threshold_names), 1, figsize=(9, 5), sharex=True)
    minutes = stream.times / 60
    for ax, name in zip(axes, threshold_names):
        r = stream.runs[name]
        ax.plot(minutes, r.scores, lw=0.6, label=f"{name} score")
        for a in r.alerts_at:
            ax.axvline(a / 60, color="tab:red", lw=0.8, ls=":")
        ax.axvline(stream.onset / 60, color="k", lw=1.5, label="fault onset")
        ax.axvspan(0, stream.times[stream.learn_windows - 1] / 60, color="0.9", label="learning")
        ax.set_ylabel("score")
        ax.legend(loc="upper left", fontsize=8)
    axes[0].set_title(f"{stream.name}: score over time (dotted red: alerts raised)")
    axes[-1].set_xlabel("minutes")
    fig.tight_layout()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fig.savefig(path, dpi=110)


def fmt_delay(v: float) -> str:
    return "missed" if not math.isfinite(v) else f"{v:.0f} s"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small smoke run")
    p.add_argument("--machines", type=int, default=3)
    p.add_argument("--learn-min", type=float, default=5.0)
    p.add_argument("--normal-min", type=float, default=20.0)
    p.add_argument("--fault-min", type=float, default=15.0)
    p.add_argument("--sensors", type=int, default=6)
    p.add_argument("--days", type=int, default=14)
    args = p.parse_args(argv)
    if args.quick:
        args.machines, args.normal_min, args.fault_min, args.sensors, args.days = 1, 4.0, 6.0, 2, 6

    vcfg = MaintenanceConfig.vibration(SAMPLE_RATE, CHANNELS, window=WINDOW, hop=HOP, learn_seconds=args.learn_min * 60)
    tcfg = MaintenanceConfig.telemetry(learn_seconds=2 * SECONDS_PER_DAY, period=TELEMETRY_PERIOD)
    report: dict = {"config": {"vibration": json.loads(vcfg.to_json()), "telemetry": json.loads(tcfg.to_json())}}
    report["args"] = vars(args)

    vib, feature_seconds, signal_seconds = [], 0.0, 0.0
    for m in range(args.machines):
        for kind in synth.FAULT_KINDS:
            s, fs = vibration_stream(m, kind, args.learn_min * 60, args.normal_min * 60, args.fault_min * 60, vcfg)
            feature_seconds += fs
            signal_seconds += s.times[-1]
            for name, make in DETECTORS.items():
                s.runs[name] = run_edgeadapt(s, vcfg) if make is None else run_river(s, make, vcfg)
            vib.append(s)
            print(f"{s.name}: " + ", ".join(
                f"{n} first alert {fmt_delay(next(iter(r.alerts_at[r.alerts_at >= s.onset] - s.onset), math.inf))}"
                f" ({int(np.sum(r.alerts_at < s.onset))} false)" for n, r in s.runs.items()), flush=True)
    tel = []
    for k in range(args.sensors):
        s = telemetry_stream(100 + k, args.days, 2.0, tcfg)
        for name, make in DETECTORS.items():
            s.runs[name] = run_edgeadapt(s, tcfg) if make is None else run_river(s, make, tcfg)
        tel.append(s)

    report["vibration"] = {n: vibration_metrics(vib, n) for n in DETECTORS}
    report["telemetry"] = {n: telemetry_metrics(tel, n) for n in DETECTORS}
    speed = {}
    for n in DETECTORS:
        secs = sum(s.runs[n].seconds for s in vib)
        wins = sum(s.runs[n].windows for s in vib)
        speed[n] = {"windows_per_s": wins / secs, "us_per_window": 1e6 * secs / wins}
    n_windows = sum(len(s.times) for s in vib)
    # the same, one window per call (a live sensor hands over one window at a time)
    s0 = vib[0]
    mon = vcfg.make_monitor()
    mon.update_many(s0.features[: s0.learn_windows])
    single = s0.features[s0.learn_windows : s0.learn_windows + 2000]
    t0 = time.perf_counter()
    for row in single:
        mon.update_many(row[None, :])
    speed["edgeadapt, one window per call"] = {
        "us_per_window": 1e6 * (time.perf_counter() - t0) / len(single),
        "windows_per_s": len(single) / (time.perf_counter() - t0),
    }
    report["speed"] = speed
    report["features"] = {"us_per_window": 1e6 * feature_seconds / n_windows, "real_time_factor": signal_seconds / feature_seconds}
    report["end_to_end"] = end_to_end_speed(vcfg, 120.0 if args.quick else 600.0)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "maintenance.json"), "w") as f:
        json.dump(report, f, indent=2, default=float)
    plot(next(s for s in vib if s.kind == "outer"), IMG)
    md = markdown(report, args)
    with open(os.path.join(OUT, "maintenance.md"), "w") as f:
        f.write(md)
    print(md)
    return 0


def markdown(r: dict, args) -> str:
    names = list(DETECTORS)
    kinds = synth.FAULT_KINDS
    v = r["vibration"]
    lines = [
        f"Vibration: {args.machines} machines x {len(kinds)} faults, 3 axes at {SAMPLE_RATE:g} Hz, windows of "
        f"{WINDOW} samples every {HOP}; learning {args.learn_min:g} min, normal running {args.normal_min:g} min, "
        f"then the fault grows from severity {SEVERITY_START} to {SEVERITY_END} over {args.fault_min:g} min "
        f"({v[names[0]]['normal_hours']:.1f} h of monitored normal running in all).",
        "",
        "| detector | " + " | ".join(f"{k}: median delay (detected)" for k in kinds) + " | false alarms / day | mean AUC |",
        "|---|" + "---|" * (len(kinds) + 2),
    ]
    for n in names:
        m = v[n]
        cells = [f"{fmt_delay(m['median_delay_s'][k])} ({m['detected'][k]}/{m['detected'][k] + m['missed'][k]})" for k in kinds]
        lines.append(f"| {n} | " + " | ".join(cells) + f" | {m['false_alarms_per_day']:.1f} ({m['false_alarms']}) | "
                     f"{np.mean([m['auc'][k] for k in kinds]):.3f} |")
    lines += ["", "Window-level ROC AUC (fault windows after onset vs normal windows), per fault:", "",
              "| detector | " + " | ".join(kinds) + " |", "|---|" + "---|" * len(kinds)]
    for n in names:
        lines.append(f"| {n} | " + " | ".join(f"{v[n]['auc'][k]:.3f}" for k in kinds) + " |")
    t = r["telemetry"]
    lines += ["", f"Telemetry: {args.sensors} sensors x {args.days} days every {TELEMETRY_PERIOD / 60:g} min, learning 2 days, "
              f"{t[names[0]]['incidents']} labelled incidents; an alert counts for an incident if raised between its start "
              f"and {ACCEPT_S / 3600:g} h after its end.", "",
              "| detector | precision | recall | alerts | median time to detect |", "|---|---|---|---|---|"]
    for n in names:
        m = t[n]
        lines.append(f"| {n} | {m['precision']:.2f} | {m['recall']:.2f} | {m['alerts']} | {m['median_time_to_detect_min']:.0f} min |")
    s, e, fe = r["speed"], r["end_to_end"], r["features"]
    ours = s["edgeadapt"]["us_per_window"]
    lines += ["", "Scoring speed on the same feature windows (one core, monitoring windows; river's time excludes building its dicts):", "",
              "| detector | us per window | windows/s | time per window vs edgeadapt batched |", "|---|---|---|---|"]
    for n in names + ["edgeadapt, one window per call"]:
        lines.append(f"| {n} | {s[n]['us_per_window']:.1f} | {s[n]['windows_per_s']:.0f} | {s[n]['us_per_window'] / ours:.1f}x |")
    lines += ["", f"Features: {fe['us_per_window']:.0f} us per 3-axis window ({fe['real_time_factor']:.0f}x real time). "
              f"End to end (MachineWatch on raw 3-axis {SAMPLE_RATE:g} Hz samples: framing, features, scoring, guard, "
              f"adaptation): {e['real_time_factor']:.0f}x real time over {e['signal_seconds']:g} s of signal. "
              f"State: {e['state_bytes']} bytes in all, baseline and calibration {e['baseline_bytes']} bytes."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
