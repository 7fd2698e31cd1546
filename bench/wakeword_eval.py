"""Evaluation helpers of the wake-word benchmark (used by bench/bench_wakeword.py).

Everything here is a pure function of a corpus (``bench/wakeword_corpus.py``) and of a
:class:`edgeadapt.apps.wakeword.WakeWord` state: embeddings are computed once per file
and cached next to the corpus, scores come from the app's own index and background
normalization, and detections from its own guard.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edgeadapt.apps.wakeword.templates import sliding_windows
from edgeadapt.embed.speech import EMBEDDING_HOP_SAMPLES, EMBEDDING_WINDOW_SAMPLES, SAMPLE_RATE, SpeechEmbedder
from edgeadapt.guard.detection import DetectionGuard
from edgeadapt.sources.wav import read_wav

#: Silence added around an isolated clip so that it fills whole windows (seconds).
CLIP_CONTEXT_SECONDS = 0.6
#: A detection counts as a hit if its window end falls in [onset, offset + this].
HIT_TOLERANCE_SECONDS = 1.2
CACHE_NAME = "embeddings.npz"


def load_manifest(corpus: Path) -> dict:
    return json.loads((corpus / "manifest.json").read_text())


def _pad(pcm: np.ndarray) -> np.ndarray:
    pad = np.zeros(int(CLIP_CONTEXT_SECONDS * SAMPLE_RATE), np.int16)
    return np.concatenate([pad, pcm, pad])


def embed_corpus(corpus: Path, manifest: dict, embedder: SpeechEmbedder, progress=None) -> dict[str, np.ndarray]:
    """Embeddings of every file (clips padded with CLIP_CONTEXT_SECONDS of silence), cached."""
    key = hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()[:16]
    cache = corpus / CACHE_NAME
    if cache.exists():
        with np.load(cache, allow_pickle=False) as z:
            if str(z["__key__"]) == key:
                return {k: z[k] for k in z.files if k != "__key__"}
    out: dict[str, np.ndarray] = {}
    files = manifest["files"]
    for i, entry in enumerate(files):
        pcm, rate = read_wav(corpus / entry["file"])
        assert rate == SAMPLE_RATE
        if entry["kind"] not in ("negative", "stream"):
            pcm = _pad(pcm)
        out[entry["file"]] = embedder.embed_clip(pcm)
        if progress:
            progress(i + 1, len(files))
    np.savez(cache, __key__=np.array(key), **out)
    return out


def frame_end_times(n: int) -> np.ndarray:
    """End time (s) of the audio each embedding of a stream reads."""
    return (np.arange(n) * EMBEDDING_HOP_SAMPLES + EMBEDDING_WINDOW_SAMPLES) / SAMPLE_RATE


def score_trace(app, frames: np.ndarray, label: str) -> np.ndarray:
    """Smoothed score of ``label`` for every window of ``frames`` under the app's current state.

    Item ``i`` of the result is the window ending at embedding ``i + window_frames - 1``;
    the values equal what :meth:`WakeWord.process` feeds its guard (no adaptation).
    """
    windows = sliding_windows(frames, app.window_frames)
    return app.score_traces(windows).get(label, np.zeros(0, np.float32))


def count_events(trace: np.ndarray, times: np.ndarray, threshold: float, refractory: float,
                 debounce: int = 1) -> list[float]:
    """Detection times of a one-label score trace under the app's guard rules."""
    guard = DetectionGuard(threshold=threshold, min_margin=0.0, debounce_frames=debounce,
                           refractory_seconds=refractory)
    out = []
    for i in np.flatnonzero(trace >= threshold - 1e-9).tolist() if debounce == 1 else range(trace.size):
        if guard.process(float(times[i]), "x", float(trace[i])):
            out.append(float(times[i]))
    return out


def clip_max(app, frames: np.ndarray, label: str) -> float:
    t = score_trace(app, frames, label)
    return float(t.max()) if t.size else -math.inf


@dataclass
class StreamResult:
    hits: int
    keywords: int
    false_accepts: int
    seconds: float


def match_stream(detections: list[float], keyword_times: list[list[float]], seconds: float) -> StreamResult:
    """Hits (a detection within a keyword's [onset, offset + tolerance]) and false accepts."""
    used = [False] * len(detections)
    hits = 0
    for on, off in keyword_times:
        for j, t in enumerate(detections):
            if not used[j] and on <= t <= off + HIT_TOLERANCE_SECONDS:
                used[j] = True
                hits += 1
                break
    return StreamResult(hits, len(keyword_times), used.count(False), seconds)
