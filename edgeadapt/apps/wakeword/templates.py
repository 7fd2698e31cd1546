"""Windows of consecutive speech embeddings: the unit the wake-word detector compares.

A *window* is ``window_frames`` consecutive embeddings flattened into one vector of
``window_frames * dim`` values. An enrollment utterance gives one *template*: its
window that stands out most from the background (largest sum of squared z-scores),
which finds the keyword in a clip without knowing where it was said.

Examples
--------
>>> import numpy as np
>>> frames = np.zeros((6, 2), np.float32); frames[3:5] = 5.0     # a "keyword" at frames 3-4
>>> sliding_windows(frames, 2).shape
(5, 4)
>>> select_template(frames, 2, lambda w: w).tolist()
[5.0, 5.0, 5.0, 5.0]
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ...errors import InputError

__all__ = ["sliding_windows", "select_template", "noisy_copies", "speech_pool", "dtw_similarity", "AUGMENT_CONDITIONS",
           "DTW_BAND_FRAMES"]


def sliding_windows(frames: np.ndarray, window_frames: int) -> np.ndarray:
    """All windows of ``window_frames`` consecutive rows, flattened: ``(n - w + 1, w * dim)``.

    Examples
    --------
    >>> sliding_windows(np.arange(6, dtype=np.float32).reshape(3, 2), 2).tolist()
    [[0.0, 1.0, 2.0, 3.0], [2.0, 3.0, 4.0, 5.0]]
    """
    n, dim = frames.shape
    if n < window_frames:
        return np.zeros((0, window_frames * dim), np.float32)
    view = np.lib.stride_tricks.sliding_window_view(frames, window_frames, axis=0)  # (k, dim, w)
    return np.ascontiguousarray(view.transpose(0, 2, 1).reshape(-1, window_frames * dim), dtype=np.float32)


def select_template(frames: np.ndarray, window_frames: int,
                    normalize: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """The window of ``frames`` with the largest normalized energy (raw values, flattened).

    Parameters
    ----------
    frames : numpy.ndarray, shape (n, dim)
        Embeddings of one utterance, ``n >= window_frames``.
    window_frames : int
    normalize : callable
        Maps rows of whole frames to z-scores (e.g. a background normalization).

    Returns
    -------
    numpy.ndarray, shape (window_frames * dim,)

    Examples
    --------
    >>> frames = np.zeros((5, 1), np.float32); frames[1] = 3.0
    >>> select_template(frames, 2, lambda f: f).tolist()      # the first window holding the peak
    [0.0, 3.0]
    """
    if frames.shape[0] < window_frames:
        raise InputError(
            f"an enrollment clip gave {frames.shape[0]} embeddings, fewer than the {window_frames} of one "
            "window; record a longer clip (pad it with silence)"
        )
    z = np.asarray(normalize(frames), dtype=np.float64)
    energy = (z * z).sum(axis=1)
    totals = np.convolve(energy, np.ones(window_frames), mode="valid")
    best = int(np.argmax(totals))
    return np.ascontiguousarray(frames[best:best + window_frames].reshape(-1), dtype=np.float32)


#: Noise conditions (kind, SNR in dB) of the extra templates made from each enrollment
#: clip, so that the enrolled set also covers a noisy room (multi-condition enrollment).
#: ``"babble"`` is speech noise made from the enrollment clips themselves (see
#: :func:`speech_pool`): several stretches of the user's own utterances summed, so no
#: recording of other people is needed. The two babble conditions were chosen on tuning
#: corpora (``bench/wakeword_corpus.py --seed 1, 2, 3``), see docs/wakeword.md.
AUGMENT_CONDITIONS = (("pink", 10.0), ("pink", 5.0), ("white", 10.0), ("babble", 10.0), ("babble", 15.0))
#: Noise kinds :func:`noisy_copies` knows.
NOISE_KINDS = ("white", "pink", "babble")
#: Samples within this fraction of the loudest (in amplitude) count as speech for the SNR.
_ACTIVE_FRACTION = 0.1
#: Babble is the sum of this many stretches of speech starting at random points.
BABBLE_TALKERS = 5
#: :func:`speech_pool` keeps a clip from its first to its last 10 ms frame whose RMS is
#: within ACTIVITY_DB of the loudest frame's.
ACTIVITY_FRAME_SAMPLES = 160
ACTIVITY_DB = 30.0


def _pink(rng: np.random.Generator, n: int) -> np.ndarray:
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.arange(spec.size, dtype=np.float64)
    f[0] = 1.0
    x = np.fft.irfft(spec / np.sqrt(f), n)
    return x / max(float(np.sqrt((x * x).mean())), 1e-12)


def _babble(rng: np.random.Generator, n: int, speech: np.ndarray) -> np.ndarray:
    looped = np.tile(speech, int(np.ceil((n + 1) / speech.size)) + 1)
    x = np.zeros(n)
    for _ in range(BABBLE_TALKERS):
        start = int(rng.integers(0, speech.size))
        x += looped[start:start + n]
    return x / max(float(np.sqrt((x * x).mean())), 1e-12)


def speech_pool(clips) -> np.ndarray:
    """The speech of int16 clips, silence before and after each trimmed, concatenated (float64).

    The source of :func:`noisy_copies`'s ``"babble"`` noise.

    Examples
    --------
    >>> clip = np.zeros(1600, np.int16); clip[320:640] = 1000      # 10 ms frames 2 and 3
    >>> speech_pool([clip, clip]).shape
    (640,)
    """
    parts = []
    for pcm in clips:
        x = np.asarray(pcm, dtype=np.float64)
        n = x.size // ACTIVITY_FRAME_SAMPLES
        if n == 0:
            continue
        rms = np.sqrt((x[:n * ACTIVITY_FRAME_SAMPLES].reshape(n, -1) ** 2).mean(axis=1))
        if rms.max() <= 0.0:
            continue
        on = np.flatnonzero(rms >= rms.max() * 10 ** (-ACTIVITY_DB / 20))
        parts.append(x[on[0] * ACTIVITY_FRAME_SAMPLES:(on[-1] + 1) * ACTIVITY_FRAME_SAMPLES])
    return np.concatenate(parts) if parts else np.zeros(0)


def noisy_copies(pcm: np.ndarray, conditions, rng: np.random.Generator,
                 speech: np.ndarray | None = None) -> list[np.ndarray]:
    """Copies of an int16 clip with white, pink or babble noise added at given SNRs.

    The SNR is measured against the RMS of the clip's active samples (those within
    10% of the peak amplitude), so padding silence does not change it.

    Parameters
    ----------
    pcm : numpy.ndarray of int16
    conditions : iterable of (kind, snr_db)
        ``kind`` is one of :data:`NOISE_KINDS`.
    rng : numpy.random.Generator
    speech : numpy.ndarray, optional
        Speech that ``"babble"`` noise is made of (:data:`BABBLE_TALKERS` stretches of
        it from random points, summed), e.g. :func:`speech_pool` of the enrollment
        clips; needed only for that kind.

    Returns
    -------
    list of numpy.ndarray of int16

    Examples
    --------
    >>> clip = (np.sin(np.arange(8000) / 5.0) * 10000).astype(np.int16)
    >>> [c.dtype.name for c in noisy_copies(clip, [("white", 10.0)], np.random.default_rng(0))]
    ['int16']
    >>> len(noisy_copies(clip, [("babble", 10.0), ("pink", 5.0)], np.random.default_rng(0), speech_pool([clip])))
    2
    >>> noisy_copies(clip, [("babble", 10.0)], np.random.default_rng(0))
    Traceback (most recent call last):
    ...
    edgeadapt.errors.InputError: babble noise needs speech to be made of: pass speech, e.g. speech_pool(clips)
    """
    x = pcm.astype(np.float64)
    peak = float(np.abs(x).max()) if x.size else 0.0
    active = x[np.abs(x) >= _ACTIVE_FRACTION * peak] if peak > 0 else x
    level = float(np.sqrt((active * active).mean())) if active.size else 0.0
    out = []
    for kind, snr in conditions:
        if kind == "pink":
            noise = _pink(rng, x.size)
        elif kind == "white":
            noise = rng.standard_normal(x.size)
        elif kind == "babble":
            if speech is None or np.asarray(speech).size == 0:
                raise InputError("babble noise needs speech to be made of: pass speech, e.g. speech_pool(clips)")
            noise = _babble(rng, x.size, np.asarray(speech, dtype=np.float64))
        else:
            raise InputError(f"noise kind must be one of {NOISE_KINDS}, got {kind!r}")
        y = x + noise * level / 10 ** (snr / 20)
        out.append(np.clip(np.round(y), -32768, 32767).astype(np.int16))
    return out


#: Sakoe-Chiba band of :func:`dtw_similarity`, in embeddings (80 ms each) either side of
#: the diagonal: about 10 % of a 12-embedding window (Sakoe and Chiba's customary band),
#: i.e. a keyword said up to about 10 % faster or slower locally.
DTW_BAND_FRAMES = 1


def _unit_frames(x: np.ndarray, dim: int) -> np.ndarray:
    f = np.asarray(x, np.float64).reshape(x.shape[0], -1, dim)
    return f / np.maximum(np.linalg.norm(f, axis=2, keepdims=True), 1e-12)


def dtw_similarity(windows: np.ndarray, templates: np.ndarray, dim: int, band: int = DTW_BAND_FRAMES) -> np.ndarray:
    """Order-aware similarity of each window to each template: banded dynamic time warping.

    Both are flattened sequences of ``dim``-value frames (already normalized as the
    caller compares them). The local cost of two frames is one minus their cosine; the
    path may step diagonally (weight 2) or along one sequence (weight 1) and stays within
    ``band`` frames of the diagonal (Sakoe-Chiba), so the sounds must come in the same
    order, each at most ``band`` frames early or late. The result is one minus the path
    cost over the path weight ``2 * frames``: with ``band=0`` it is the mean frame cosine
    along the diagonal, in [-1, 1].

    Parameters
    ----------
    windows : numpy.ndarray, shape (n, frames * dim)
    templates : numpy.ndarray, shape (m, frames * dim)
    dim : int
    band : int

    Returns
    -------
    numpy.ndarray, shape (n, m)

    Examples
    --------
    >>> a = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])     # three 2-d frames: x, y, y
    >>> b = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])     # x, x, y: the same order, other timing
    >>> c = np.array([[0.0, 1.0], [0.0, 1.0], [1.0, 0.0]])     # y, y, x: another order
    >>> f = lambda *s: np.stack([x.reshape(-1) for x in s])
    >>> dtw_similarity(f(a), f(b, c), 2, band=0).round(3).tolist()   # rigid: timing costs as much as order
    [[0.667, 0.333]]
    >>> dtw_similarity(f(a), f(b, c), 2, band=1).round(3).tolist()   # warping forgives timing, not order
    [[1.0, 0.5]]
    """
    if band < 0:
        raise InputError(f"band must be >= 0 frames, got {band}")
    w = _unit_frames(np.atleast_2d(windows), dim)
    t = _unit_frames(np.atleast_2d(templates), dim)
    k = w.shape[1]
    if t.shape[1] != k:
        raise InputError(f"windows have {k} frames and templates {t.shape[1]}; they must be alike")
    cost = 1.0 - np.einsum("nid,mjd->nmij", w, t, optimize=True)
    inf = np.full(cost.shape[:2], np.inf)
    prev = {0: np.zeros(cost.shape[:2])}   # column j of the previous row (index 0: the start)
    for i in range(1, k + 1):
        row: dict[int, np.ndarray] = {}
        for j in range(max(1, i - band), min(k, i + band) + 1):
            c = cost[:, :, i - 1, j - 1]
            best = np.minimum(prev.get(j - 1, inf) + 2 * c, prev.get(j, inf) + c)
            row[j] = np.minimum(best, row.get(j - 1, inf) + c)
        prev = row
    return 1.0 - prev[k] / (2 * k)
