"""Helpers of the wake-word tests: the shipped sample audio and noisy keyword clips.

Not a conftest.py: another test folder has one, and two top-level ``conftest`` modules
clash under ``--doctest-modules``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from edgeadapt.sources.wav import read_wav

DATA = Path(__file__).resolve().parents[2] / "edgeadapt" / "data" / "wakeword"


def load_sample():
    """The shipped sample: enrollment paths, the test stream and its true keyword times."""
    manifest = json.loads((DATA / "manifest.json").read_text())
    enroll = [DATA / e["file"] for e in manifest["files"] if e["kind"] == "enroll"]
    stream = next(e for e in manifest["files"] if e["kind"] == "stream")
    pcm, rate = read_wav(DATA / stream["file"])
    return {"keyword": manifest["keyword"], "enroll": enroll, "stream": pcm, "rate": rate,
            "times": stream["keyword_times"], "dir": DATA}


def keyword_segment(sample, i, pre=0.6, post=0.6):
    on, off = sample["times"][i]
    rate = sample["rate"]
    return sample["stream"][int((on - pre) * rate):int((off + post) * rate)]


def noisy(pcm, gain, seed=0):
    """``pcm`` with white noise at ``gain / 10`` of its peak (seeded)."""
    x = pcm.astype(np.float64)
    x += np.random.default_rng(seed).standard_normal(x.size) * np.abs(x).max() / 10 * gain
    return np.clip(x, -32768, 32767).astype(np.int16)
