"""SKAB v0.9: loading and the published evaluation protocol, written here from its documentation.

The data (``../shared/data/skab/``, see its SOURCE.md) is 34 experiments of a water-pump
testbed sampled once a second: eight sensor columns, an ``anomaly`` label per row
(outlier problem) and a ``changepoint`` label (collective anomalies: the rows where one
starts or ends). The protocol of the SKAB README and ``core/utils.py``:

- every file except ``anomaly-free/`` is one experiment; its first ``TRAIN_ROWS`` rows
  are the learning period (normal running), the rest is watched, in time order;
- **outliers**: the predicted labels of the watched rows of all files, pooled, scored
  as binary classification: F1, false-alarm rate ``FP / (FP + TN)`` and missed-alarm
  rate ``FN / (FN + TP)``;
- **change points**: the NAB score (Lavin and Ahmad, 2015) with a window of
  ``NAB_WINDOW_S`` seconds to the *right* of each true change point. A detection is a
  row where the predicted label changes (the SKAB notebooks take the absolute
  difference of the predicted outlier labels).

NAB, as documented by its authors: inside a window only the first detection counts, for
``A_tp * sigma(y)`` where ``y`` is its position relative to the window's end in window
lengths (-1 at the start, 0 at the end) and ``sigma(y) = 2 / (1 + exp(5 y)) - 1``; a
window without a detection costs ``-A_fn``; a detection in no window costs
``A_fp * sigma(y)`` with ``y`` its distance past the end of the preceding window (in
window lengths; ``sigma`` is -1 where no window precedes). The raw score is normalized
to 100 for the perfect detector (a detection at the first row of every window) and 0
for the null detector (no detections). Profiles: standard (A_tp 1, A_fp 0.11, A_fn 1),
low FP (A_fp 0.22), low FN (A_fn 2).

Examples
--------
>>> import numpy as np
>>> y = np.array([0, 0, 1, 1, 1, 0]); p = np.array([0, 1, 1, 1, 0, 0])
>>> m = outlier_metrics(y, p)
>>> round(m["f1"], 3), round(m["far"], 3), round(m["mar"], 3)
(0.667, 0.333, 0.333)
>>> t = np.arange(200.0)
>>> cps = np.zeros(200, bool); cps[50] = True
>>> det = np.zeros(200, bool); det[50] = True
>>> round(nab_scores([(t, cps, det)])["standard"], 1)
100.0
>>> round(nab_scores([(t, cps, np.zeros(200, bool))])["standard"], 1)
0.0
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

TRAIN_ROWS = 400
NAB_WINDOW_S = 60.0
NAB_PROFILES = {
    "standard": {"tp": 1.0, "fp": 0.11, "fn": 1.0},
    "low_fp": {"tp": 1.0, "fp": 0.22, "fn": 1.0},
    "low_fn": {"tp": 1.0, "fp": 0.11, "fn": 2.0},
}
# Beyond this many window lengths past a window, a false positive costs the full A_fp (NAB).
NAB_FAR_PAST = 3.0
SENSORS = (
    "Accelerometer1RMS",
    "Accelerometer2RMS",
    "Current",
    "Pressure",
    "Temperature",
    "Thermocouple",
    "Voltage",
    "Volume Flow RateRMS",
)
GROUPS = ("valve1", "valve2", "other")


def data_dir() -> Path:
    """``../shared/data/skab/data`` beside the repository (or ``$EDGEADAPT_SKAB``)."""
    env = os.environ.get("EDGEADAPT_SKAB")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "skab" / "data"


@dataclass
class Experiment:
    """One SKAB file: Unix times, sensor values, and the two label columns."""

    group: str
    name: str
    times: np.ndarray  # (n,) seconds
    values: np.ndarray  # (n, 8)
    anomaly: np.ndarray  # (n,) bool
    changepoint: np.ndarray  # (n,) bool

    @property
    def label(self) -> str:
        return f"{self.group}/{self.name}"


def _parse_time(text: str) -> float:
    from datetime import datetime, timezone

    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp()


def load(root: Path | None = None) -> list[Experiment]:
    """Every experiment (anomaly-free excluded), in a fixed order (group, then file number)."""
    root = data_dir() if root is None else root
    out = []
    for group in GROUPS:
        files = sorted((root / group).glob("*.csv"), key=lambda p: int(p.stem))
        for path in files:
            with open(path, encoding="utf-8") as f:
                header = f.readline().rstrip("\n").split(";")
                rows = [line.rstrip("\n").split(";") for line in f if line.strip()]
            col = {name: i for i, name in enumerate(header)}
            times = np.array([_parse_time(r[col["datetime"]]) for r in rows])
            values = np.array([[float(r[col[s]]) for s in SENSORS] for r in rows])
            anomaly = np.array([float(r[col["anomaly"]]) > 0 for r in rows])
            cp = np.array([float(r[col["changepoint"]]) > 0 for r in rows])
            out.append(Experiment(group, path.stem, times, values, anomaly, cp))
    return out


def outlier_metrics(truth: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """F1, false-alarm rate and missed-alarm rate of binary labels (pooled rows)."""
    y = np.asarray(truth, bool)
    p = np.asarray(predicted, bool)
    tp = int(np.sum(y & p))
    fp = int(np.sum(~y & p))
    fn = int(np.sum(y & ~p))
    tn = int(np.sum(~y & ~p))
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return {
        "f1": f1,
        "far": fp / (fp + tn) if fp + tn else 0.0,
        "mar": fn / (fn + tp) if fn + tp else 0.0,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
    }


def changepoints_of(predicted: np.ndarray) -> np.ndarray:
    """Rows where predicted outlier labels change (SKAB's change-point predictions)."""
    p = np.asarray(predicted, np.int8)
    out = np.zeros(len(p), bool)
    out[1:] = p[1:] != p[:-1]
    return out


def _sigma(y: float) -> float:
    if y > NAB_FAR_PAST:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * y)) - 1.0


def _nab_raw(times: np.ndarray, cps: np.ndarray, detections: np.ndarray, profile: dict) -> tuple[float, int, int, int]:
    """Raw NAB score of one file, and (windows, missed windows, false positives)."""
    starts = times[np.flatnonzero(cps)]
    ends = starts + NAB_WINDOW_S
    length = NAB_WINDOW_S
    det_times = times[np.flatnonzero(detections)]
    score, missed, fps = 0.0, 0, 0
    hit = np.zeros(len(starts), bool)
    for t in det_times:
        inside = np.flatnonzero((starts <= t) & (t <= ends))
        if len(inside):
            for w in inside:
                if not hit[w]:
                    hit[w] = True
                    score += profile["tp"] * _sigma((t - ends[w]) / length)
            continue
        before = np.flatnonzero(ends < t)
        y = (t - ends[before[-1]]) / length if len(before) else math.inf
        score += profile["fp"] * (_sigma(y) if len(before) else -1.0)
        fps += 1
    missed = int(np.sum(~hit))
    score -= profile["fn"] * missed
    return score, len(starts), missed, fps


def nab_scores(files: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> dict[str, float]:
    """Normalized NAB scores (per profile) over files of ``(times, true cps, detections)``.

    Also returns ``missed`` (windows without detection) and ``fps`` (detections in no
    window), counted with the standard profile.
    """
    out: dict[str, float] = {}
    for name, profile in NAB_PROFILES.items():
        raw = perfect = null = 0.0
        missed = fps = 0
        for times, cps, det in files:
            s, windows, m, f = _nab_raw(np.asarray(times, float), np.asarray(cps, bool), np.asarray(det, bool), profile)
            raw += s
            perfect += windows * profile["tp"] * _sigma(-1.0)
            null -= windows * profile["fn"]
            missed += m
            fps += f
        out[name] = 100.0 * (raw - null) / (perfect - null) if perfect != null else 0.0
        if name == "standard":
            out["missed"], out["fps"] = missed, fps
    return out
