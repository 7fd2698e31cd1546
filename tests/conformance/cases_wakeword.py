"""Conformance cases of the wake word's stateful parts and of the app itself."""

from __future__ import annotations

import numpy as np

from edgeadapt.apps.wakeword import WakeWord
from edgeadapt.apps.wakeword.scorer import HardNegatives
from edgeadapt.conformance import Case
from edgeadapt.enroll.index import EnrollmentIndex
from edgeadapt.enroll.normalize import BackgroundNormalizer
from edgeadapt.enroll.verifier import ScatterStats, WindowVerifier
from edgeadapt.guard.detection import DetectionGuard, RateLimit
from edgeadapt.labels.nearmiss import NearMissLabeller

RNG = np.random.default_rng(11)
DIM = 96
W = 12
FRAMES = RNG.standard_normal((60, DIM)).astype(np.float32)
TEMPLATE = RNG.standard_normal((W, DIM)).astype(np.float32)
SCORES = [(0.1 * i, "a", float(s)) for i, s in enumerate([0.1, 0.45, 0.5, 0.2, 0.1, 0.9, 0.95, 0.2, 0.3, 0.7])]


def app():
    ww = WakeWord(smoothing_frames=1, augment=False, clock=lambda: 0.0)
    ww.enroll_windows("kw", TEMPLATE.reshape(1, -1))
    return ww


def feed_app(ww, frames):
    ww.process_embeddings(frames)


def app_updates():
    # quiet, a firing block (the template itself), quiet
    stream = np.concatenate([FRAMES[:20] * 0.05, TEMPLATE, FRAMES[20:40] * 0.05]).astype(np.float32)
    return [(stream[i:i + 8],) for i in range(0, stream.shape[0], 8)]


def verifier():
    return WindowVerifier(8, segments=2, min_negatives=5)


def index():
    return EnrollmentIndex(4, capacity=8)


WINDOWS = [(RNG.standard_normal((1, 16)),) for _ in range(8)]

CASES = [
    Case("ScatterStats", lambda: ScatterStats(3), [(RNG.standard_normal((2, 3)),) for _ in range(6)],
         calls={"covariance": [()], "mean": [()]}),
    Case("WindowVerifier", verifier, [(w,) for (w,) in WINDOWS], method="add_negatives", merge=False,
         calls={"add_negatives": [(RNG.standard_normal((2, 16)),)], "features": [(RNG.standard_normal((2, 16)),)],
                "fit": [({"a": RNG.standard_normal((3, 16))},)], "passes": [("a", RNG.standard_normal((2, 16)))],
                "score": [("a", RNG.standard_normal((2, 16)))], "models": [()],
                "set_models": [({"a": (RNG.standard_normal(16), 0.0, 1.0)},)]}),
    Case("HardNegatives", lambda: HardNegatives(4, 3), [(RNG.standard_normal(4), "a") for _ in range(5)],
         method="add", merge=False, calls={"add": [(RNG.standard_normal(4), "b")], "of": [("a",)],
                                           "remove_label": [("a",), ("zzz",)]}),
    Case("DetectionGuard", lambda: DetectionGuard(0.6, refractory_seconds=0.3), SCORES, method="process",
         merge=False, calls={"process": [(5.0, "a", 0.9), (5.1, "a", 0.1)], "counts": [(0.7,)],
                             "in_refractory": [(1.0,)]}),
    Case("NearMissLabeller", lambda: NearMissLabeller(0.4, 0.6, 3.0), [(t, l, s, np.full(2, s)) for t, l, s in SCORES],
         method="process", merge=False, calls={"process": [(9.0, "a", 0.5, np.ones(2)), (9.1, "a", 0.1, None)]}),
    Case("RateLimit", lambda: RateLimit(2, 5), [(float(t),) for t in (0, 10, 4000, 4010)], merge=False,
         calls={"allows": [(1.0,)], "update": [(9000.0,)]}),
    Case("EnrollmentIndex", index, [(RNG.standard_normal((1, 4)), "a") for _ in range(5)], method="add", merge=False,
         calls={"add": [(RNG.standard_normal((1, 4)), "b")], "remove": [([0],)], "remove_label": [("b",)],
                "record_hits": [([1],)], "set_transform": [(None,)], "label_of": [(1,)], "source_of": [(1,)],
                "vectors": [([1],)], "search": [(RNG.standard_normal((1, 4)),)],
                "best_per_label": [(RNG.standard_normal(4),)], "best_entries": [(RNG.standard_normal(4),)]}),
    Case("BackgroundNormalizer", lambda: BackgroundNormalizer(3), [(RNG.standard_normal(3),) for _ in range(6)],
         calls={"transform": [(RNG.standard_normal((2, 3)),)], "update_many": [(RNG.standard_normal((2, 3)),)]}),
    Case("WakeWord", app, app_updates(), method=feed_app, merge=False,
         calls={"process_embeddings": [(FRAMES[:5],)], "enroll_windows": [("other", TEMPLATE.reshape(1, -1) + 1)],
                "forget": [("other",)], "drop": [([0],)], "listen_embeddings": [(FRAMES[:30],)],
                "background_match": [(TEMPLATE.reshape(-1),)], "score_windows": [(TEMPLATE.reshape(1, -1),)],
                "score_traces": [(TEMPLATE.reshape(1, -1),)], "entries": [()], "pseudo_entries": [()]},
         skip={"enroll": "needs recorded utterances and the models: tests/wakeword",
               "process": "needs audio and the models: tests/wakeword",
               "end_stream": "needs the models (pads audio): tests/wakeword",
               "stream_embeddings": "needs audio and the models: tests/wakeword",
               "score_clip": "needs audio and the models: tests/wakeword",
               "reject": "needs a detection first: tests/wakeword/test_wakeword_learning.py",
               "open": "opens a file: tests/wakeword"}),
]
