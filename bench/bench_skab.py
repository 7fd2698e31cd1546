"""SKAB v0.9 with its published protocol: edgeadapt, T², T²+Q and river in the same run.

Every detector sees each experiment as a stream: the first ``TRAIN_ROWS`` rows (400 s)
are its learning period, then it labels every following row as it arrives. edgeadapt
runs exactly the CLI's code path (``MachineWatch`` with the telemetry configuration
and its default settings; only the learning period is set, by the protocol). Scored by
``skab_protocol`` (outlier F1/FAR/MAR pooled over files, NAB with a 60 s window to the
right of each change point), with a per-experiment-group breakdown.

Reference detectors, implemented here in summation form (the training statistics are
an ``edgeadapt.learn.Covariance`` of the learning rows), as the SKAB leaderboard's
control charts describe them: Hotelling's T² with its F-distribution limit, and
T²+Q on principal components explaining ``PCA_VARIANCE`` of the standardized training
data with the Jackson-Mudholkar Q limit; both at ``REFERENCE_ALPHA``. river's
``HalfSpaceTrees`` (behind ``MinMaxScaler``, river's default trees) keeps learning on
every row as its documentation intends, with its window set for the data (half the
learning period: its second half is then scored against a reference window); its
threshold is the ``1 - REFERENCE_ALPHA`` quantile of its scores over that second half.

Run::

    .venv/bin/python bench/bench_skab.py              # main table + sweep (a few minutes)
    .venv/bin/python bench/bench_skab.py --no-sweep   # main table only
    .venv/bin/python bench/bench_skab.py --no-sweep --accept-after 60   # plus automatic acceptance

Writes bench/out/skab.json and bench/out/skab.md.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import dataclasses
import json
import sys
import time
import tracemalloc
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import skab_protocol as sp  # noqa: E402

from edgeadapt.apps.maintenance import MachineWatch, MaintenanceConfig  # noqa: E402
from edgeadapt.learn import Covariance  # noqa: E402
from edgeadapt.state import encode_blob  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "out")
REFERENCE_ALPHA = 0.01
PCA_VARIANCE = 0.85
HST_TREES, HST_HEIGHT = 10, 8  # river's defaults
# HalfSpaceTrees scores against the previous window of rows: half the learning period,
# so that the second half of learning is scored against a reference (the threshold's
# calibration) and the model then follows the data at that pace.
HST_WINDOW = sp.TRAIN_ROWS // 2
HST_SEED = 42


def edgeadapt_config(**overrides):
    """The configuration the CLI would build: ``--kind telemetry --learn-windows`` for 400 rows."""
    from edgeadapt.apps.maintenance.watch import TelemetryConfig

    scales = overrides.pop("scales", TelemetryConfig.scales)
    learn = sp.TRAIN_ROWS - max(scales)  # windows completed by the 400 learning rows
    return MaintenanceConfig.telemetry(channels=sp.SENSORS, scales=scales, learn_windows=learn, period=1.0, **overrides)


def run_edgeadapt(e: sp.Experiment, cfg) -> np.ndarray:
    """Per-row alert flags, streaming the rows through MachineWatch as the CLI does."""
    watch = MachineWatch(cfg)
    watch.seek(e.label)
    rows = np.column_stack([e.times, e.values])
    flags = np.zeros(len(rows), bool)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        watch.update_many(rows)
    r = watch.results
    ends = np.searchsorted(e.times, watch.times)  # row of each window's newest timestamp
    flags[ends] = r.alert & ~r.learning
    return flags


def _train_cov(X: np.ndarray) -> Covariance:
    c = Covariance(X.shape[1])
    c.update_many(X)
    return c


def run_t2(e: sp.Experiment) -> np.ndarray:
    from scipy import stats

    X = e.values
    c = _train_cov(X[: sp.TRAIN_ROWS])
    n, p = c.count, X.shape[1]
    P = np.linalg.pinv(c.covariance(ddof=1))
    d = X - c.mean
    t2 = np.einsum("ij,jk,ik->i", d, P, d)
    ucl = p * (n + 1) * (n - 1) / (n * (n - p)) * stats.f.ppf(1 - REFERENCE_ALPHA, p, n - p)
    return t2 > ucl


def run_t2q(e: sp.Experiment) -> np.ndarray:
    from scipy import stats

    X = e.values
    c = _train_cov(X[: sp.TRAIN_ROWS])
    n = c.count
    sd = np.sqrt(np.diag(c.covariance(ddof=1)))
    Z = (X - c.mean) / sd
    corr = c.covariance(ddof=1) / np.outer(sd, sd)
    w, V = np.linalg.eigh(corr)
    w, V = w[::-1], V[:, ::-1]
    k = int(np.searchsorted(np.cumsum(w) / w.sum(), PCA_VARIANCE) + 1)
    S = Z @ V[:, :k]
    t2 = np.sum(S**2 / w[:k], axis=1)
    q = np.sum((Z - S @ V[:, :k].T) ** 2, axis=1)
    t2_lim = k * (n + 1) * (n - 1) / (n * (n - k)) * stats.f.ppf(1 - REFERENCE_ALPHA, k, n - k)
    th1, th2, th3 = (np.sum(w[k:] ** i) for i in (1, 2, 3))
    h0 = 1 - 2 * th1 * th3 / (3 * th2**2)
    ca = stats.norm.ppf(1 - REFERENCE_ALPHA)
    q_lim = th1 * (ca * np.sqrt(2 * th2 * h0**2) / th1 + 1 + th2 * h0 * (h0 - 1) / th1**2) ** (1 / h0)
    return (t2 > t2_lim) | (q > q_lim)


def _hst():
    from river import anomaly, compose, preprocessing

    return compose.Pipeline(
        preprocessing.MinMaxScaler(),
        anomaly.HalfSpaceTrees(n_trees=HST_TREES, height=HST_HEIGHT, window_size=HST_WINDOW, seed=HST_SEED),
    )


def run_river(e: sp.Experiment) -> np.ndarray:
    model = _hst()
    scores = np.empty(len(e.values))
    for i, row in enumerate(e.values):
        x = dict(zip(sp.SENSORS, row.tolist()))
        scores[i] = model.score_one(x)
        model.learn_one(x)  # keeps learning, as river documents
    half = scores[sp.TRAIN_ROWS // 2 : sp.TRAIN_ROWS]
    threshold = float(np.quantile(half, 1 - REFERENCE_ALPHA))
    return scores > threshold


def evaluate(exps, flags_of) -> dict:
    """Protocol scores overall and per group; ``flags_of(e)`` gives per-row predictions."""
    per: dict[str, list] = {"all": []}
    for e in exps:
        p = flags_of(e)
        test = slice(sp.TRAIN_ROWS, None)
        item = (e.anomaly[test], p[test], e.times[test], e.changepoint[test])
        per["all"].append(item)
        per.setdefault(e.group, []).append(item)
    out = {}
    for group, items in per.items():
        m = sp.outlier_metrics(np.concatenate([i[0] for i in items]), np.concatenate([i[1] for i in items]))
        nab = sp.nab_scores([(i[2], i[3], sp.changepoints_of(i[1])) for i in items])
        out[group] = {**m, **{f"nab_{k}": v for k, v in nab.items()}}
    return out


def live_cost(exps, repeats: int = 3) -> dict:
    """Per-row (one window per call) cost: edgeadapt MachineWatch.update_many vs river HST score+learn."""
    e = max(exps, key=lambda x: len(x.values))
    rows = np.column_stack([e.times, e.values])
    cfg = edgeadapt_config()
    best_ea = best_hst = np.inf
    for _ in range(repeats):
        watch = MachineWatch(cfg)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            watch.update_many(rows[: sp.TRAIN_ROWS])
            t0 = time.perf_counter()
            for k in range(sp.TRAIN_ROWS, len(rows)):
                watch.update_many(rows[k : k + 1])
            best_ea = min(best_ea, (time.perf_counter() - t0) / (len(rows) - sp.TRAIN_ROWS))
        model = _hst()
        xs = [dict(zip(sp.SENSORS, r.tolist())) for r in e.values]
        for x in xs[: sp.TRAIN_ROWS]:
            model.learn_one(x)
        t0 = time.perf_counter()
        for x in xs[sp.TRAIN_ROWS :]:
            model.score_one(x)
            model.learn_one(x)
        best_hst = min(best_hst, (time.perf_counter() - t0) / (len(xs) - sp.TRAIN_ROWS))
    # memory: peak Python allocations while watching 1 h and 1 day of 1 Hz rows in the
    # CLI's chunks of 8192 rows (the recording repeated, times made continuous)
    mem = {}
    for seconds in (3600, 86400):
        times = -(-seconds // (len(rows) - sp.TRAIN_ROWS))
        reps = np.concatenate([rows[sp.TRAIN_ROWS :]] * times)[:seconds]
        reps[:, 0] = rows[sp.TRAIN_ROWS, 0] + np.arange(len(reps))
        watch = MachineWatch(cfg)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            watch.update_many(rows[: sp.TRAIN_ROWS])
            tracemalloc.start()
            for k in range(0, len(reps), 8192):  # the CLI's chunks
                watch.update_many(reps[k : k + 8192])
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        mem[f"{len(reps)}_s"] = peak
    state_bytes = len(encode_blob(watch.state_dict()))
    return {"edgeadapt_us": best_ea * 1e6, "river_hst_us": best_hst * 1e6, "peak_bytes": mem, "state_bytes": state_bytes}


def sweep_table() -> dict:
    """Each constant at half and double its default (the clear level stays below the raise level)."""
    d = edgeadapt_config()
    return {
        "threshold_sigmas": (d.threshold_sigmas, (round(d.threshold_sigmas / 2, 3), round(d.threshold_sigmas * 2, 3))),
        "clear_sigmas": (d.clear_sigmas, (d.clear_sigmas / 2, d.clear_sigmas * 2)),
        "min_duration": (d.min_duration, (max(d.min_duration // 2, 1), d.min_duration * 2)),
        "adapt_every": (d.adapt_every, (d.adapt_every // 2, d.adapt_every * 2)),
        "shrinkage": (d.shrinkage, (d.shrinkage / 2, d.shrinkage * 2)),
        "level_evidence": (d.level_evidence, (round(d.level_evidence / 2, 2), round(d.level_evidence * 2, 2))),
        "scales": (d.scales, (tuple(max(int(round(k / 2)), 1) for k in d.scales), tuple(k * 2 for k in d.scales))),
    }


def fmt_row(name, r):
    a = r["all"]
    return f"| {name} | {a['f1']:.3f} | {100 * a['far']:.1f} | {100 * a['mar']:.1f} | {a['nab_standard']:.1f} | {a['nab_low_fp']:.1f} | {a['nab_low_fn']:.1f} | {a['nab_missed']} | {a['nab_fps']} |"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-sweep", action="store_true")
    ap.add_argument("--accept-after", type=int, default=0, help="also run edgeadapt with automatic acceptance after N windows")
    args = ap.parse_args()
    exps = sp.load()
    results = {}
    t0 = time.perf_counter()
    cfg = edgeadapt_config()
    results["edgeadapt"] = evaluate(exps, lambda e: run_edgeadapt(e, cfg))
    if args.accept_after:
        acfg = edgeadapt_config(accept_after=args.accept_after)
        results[f"edgeadapt --accept-after {args.accept_after}"] = evaluate(exps, lambda e: run_edgeadapt(e, acfg))
    results["T2"] = evaluate(exps, run_t2)
    results["T2+Q"] = evaluate(exps, run_t2q)
    results["river HalfSpaceTrees"] = evaluate(exps, run_river)
    print(f"detectors done in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    print("sweep:", sweep_table(), file=sys.stderr)
    lines = [
        f"SKAB v0.9, {len(exps)} experiments, first {sp.TRAIN_ROWS} rows learn, the rest watched; "
        f"NAB window {sp.NAB_WINDOW_S:g} s right of each change point.",
        "",
        "| detector | F1 | FAR % | MAR % | NAB standard | NAB low FP | NAB low FN | missed CPs | FPs |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        lines.append(fmt_row(name, r))
    lines += ["", "Per experiment group (F1 / FAR % / NAB standard):", "", "| detector | " + " | ".join(sp.GROUPS) + " |",
              "|---|" + "---|" * len(sp.GROUPS)]
    for name, r in results.items():
        cells = [f"{r[g]['f1']:.2f} / {100 * r[g]['far']:.0f} / {r[g]['nab_standard']:.1f}" for g in sp.GROUPS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    cost = live_cost(exps)
    results["live_cost"] = cost
    lines += [
        "",
        f"Live scoring, one row (window) per call, 8 channels: edgeadapt {cost['edgeadapt_us']:.0f} µs, "
        f"river HalfSpaceTrees (score + learn) {cost['river_hst_us']:.0f} µs "
        f"(ratio {cost['edgeadapt_us'] / cost['river_hst_us']:.2f}). State {cost['state_bytes']} bytes. "
        "Peak Python allocations while watching: "
        + ", ".join(f"{k.replace('_s', '')} s of input: {v / 1024:.0f} KiB" for k, v in cost["peak_bytes"].items())
        + " (bounded by the chunk, not the input's length)",
    ]
    if not args.no_sweep:
        lines += ["", "Sweep: each constant at half and double its default, the others at default (edgeadapt).", "",
                  "| constant | value | F1 | FAR % | MAR % | NAB standard | NAB low FP | NAB low FN | missed CPs | FPs |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        sweep = {}
        default_cfg = edgeadapt_config()
        for const, (default, values) in sweep_table().items():
            for v in values:
                over = {const: v}
                if const == "threshold_sigmas":
                    over["clear_sigmas"] = min(default_cfg.clear_sigmas, v)
                r = evaluate(exps, lambda e, c=edgeadapt_config(**dict(over)): run_edgeadapt(e, c))
                sweep[f"{const}={v}"] = r["all"]
                lines.append(fmt_row(f"{const} | {v}", r).replace("| ", "| ", 1))
        results["sweep"] = sweep
    text = "\n".join(lines) + "\n"
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "skab.md"), "w", encoding="utf-8") as f:
        f.write(text)
    with open(os.path.join(OUT, "skab.json"), "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1, default=float)
    print(text)


if __name__ == "__main__":
    main()
