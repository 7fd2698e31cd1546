"""The SKAB protocol scorer (bench/skab_protocol.py), written from its documentation."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("skab_protocol", ROOT / "bench" / "skab_protocol.py")
sp = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("skab_protocol", sp)  # its dataclass looks its module up
_spec.loader.exec_module(sp)


def test_outlier_metrics_on_a_hand_count():
    y = np.array([1, 1, 1, 0, 0, 0, 0, 0], bool)
    p = np.array([1, 0, 0, 1, 0, 0, 0, 0], bool)
    m = sp.outlier_metrics(y, p)
    assert (m["tp"], m["fp"], m["fn"], m["tn"]) == (1, 1, 2, 4)
    assert m["f1"] == pytest.approx(2 / 5) and m["far"] == pytest.approx(1 / 5) and m["mar"] == pytest.approx(2 / 3)


def _file(n=600, cps=(100, 400)):
    t = np.arange(float(n))
    c = np.zeros(n, bool)
    c[list(cps)] = True
    return t, c


def test_nab_perfect_null_late_and_false_positives():
    t, c = _file()
    perfect = c.copy()
    assert sp.nab_scores([(t, c, perfect)])["standard"] == pytest.approx(100.0)
    assert sp.nab_scores([(t, c, np.zeros_like(c))])["standard"] == pytest.approx(0.0)
    late = np.zeros_like(c)
    late[[130, 430]] = True  # half-way through each 60 s window: sigma(-0.5)
    sig = 2 / (1 + math.exp(-2.5)) - 1
    want = 100 * (2 * sig + 2) / (2 * (2 / (1 + math.exp(-5)) - 1) + 2)
    assert sp.nab_scores([(t, c, late)])["standard"] == pytest.approx(want)
    # a false positive far from any window costs A_fp; low FP doubles that cost
    fp = perfect.copy()
    fp[50] = True  # before any window: the full cost
    s = sp.nab_scores([(t, c, fp)])
    assert s["standard"] < 100.0 and s["low_fp"] < s["standard"] and s["fps"] == 1
    # only the first detection of a window counts
    twice = perfect.copy()
    twice[[101, 102]] = True
    assert sp.nab_scores([(t, c, twice)])["standard"] == pytest.approx(100.0)


def test_changepoints_of_predictions_are_the_label_edges():
    p = np.array([0, 0, 1, 1, 0, 1], bool)
    assert np.flatnonzero(sp.changepoints_of(p)).tolist() == [2, 4, 5]
