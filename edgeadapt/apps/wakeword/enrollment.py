"""Enrollment: utterances (paths or arrays) -> padded PCM -> template windows.

:func:`load_clip` reads and pads one utterance; :func:`enrollment_windows` turns the
padded utterances into the windows the index stores: for each utterance the window that
stands out most from the background (its *template*), the same window of each noisy copy
(:data:`~edgeadapt.apps.wakeword.templates.AUGMENT_CONDITIONS`), and the windows
:data:`SHIFT_FRAMES` embeddings before and after the template (positives of the verifier
only: a keyword is rarely said at exactly the enrolled pace and position).
"""

from __future__ import annotations

import os
from typing import Any, Callable, Sequence

import numpy as np

from ...errors import InputError
from .templates import AUGMENT_CONDITIONS, noisy_copies, select_template, sliding_windows, speech_pool

__all__ = ["load_clip", "enrollment_windows", "SHIFT_FRAMES", "clip_samples"]

#: Shifted windows kept as verifier positives: up to this many embeddings (80 ms each)
#: either side of the template, i.e. +-160 ms of timing jitter.
SHIFT_FRAMES = 2


def clip_samples(window_frames: int, min_windows: int) -> int:
    """Samples an enrollment clip is padded to so that it gives ``min_windows`` windows."""
    from ...embed.speech import EMBEDDING_HOP_SAMPLES, EMBEDDING_WINDOW_SAMPLES

    return EMBEDDING_WINDOW_SAMPLES + (window_frames + min_windows - 2) * EMBEDDING_HOP_SAMPLES


def load_clip(clip: Any, sample_rate: int, padded_samples: int) -> np.ndarray:
    """One utterance as 16 kHz int16, centred in silence to at least ``padded_samples`` (plus a margin).

    Paths are read with :func:`edgeadapt.sources.audiofile.read_audio`: WAV, FLAC or OGG at
    any rate and channel count, mixed to mono and resampled as ``listen`` reads files.
    """
    from ...embed.speech import SAMPLE_RATE
    from ...sources.audio import resample, to_int16

    if isinstance(clip, (str, os.PathLike)):
        from ...sources.audiofile import read_audio

        pcm, _ = read_audio(clip, rate=SAMPLE_RATE)
        rate = SAMPLE_RATE
        where = os.fspath(clip)
    else:
        pcm, rate, where = to_int16(clip, "clip"), sample_rate, "clip"
    pcm = resample(pcm, rate, SAMPLE_RATE)
    if pcm.size == 0 or not np.any(pcm):
        raise InputError(f"{where} is empty or silent; record the wake word again")
    from ...embed.speech import EMBEDDING_HOP_SAMPLES

    # centred in silence up to padded_samples, and always SHIFT_FRAMES hops more on each
    # side, so that the shifted windows around the template exist
    short = max(padded_samples - pcm.size, 0)
    margin = SHIFT_FRAMES * EMBEDDING_HOP_SAMPLES
    before, after = short // 2 + margin, short - short // 2 + margin
    return np.concatenate([np.zeros(before, np.int16), pcm, np.zeros(after, np.int16)])


def enrollment_windows(embed: Callable[[np.ndarray], np.ndarray], pcms: Sequence[np.ndarray], window_frames: int,
                       normalize: Callable[[np.ndarray], np.ndarray] | None, augment: bool, rng: np.random.Generator,
                       progress: Callable[[int, int], None] | None = None):
    """Templates (clean and noisy) and shifted windows of padded utterances.

    Returns
    -------
    templates : numpy.ndarray, (k, window_frames * dim)
    shifted : numpy.ndarray, (m, window_frames * dim)
    frames : list of numpy.ndarray
        The clean utterances' embeddings (e.g. to seed the background estimate).
    """
    speech = speech_pool(pcms)  # babble for the noisy copies is made of the user's own utterances
    frames, noisy = [], []
    for i, pcm in enumerate(pcms):
        frames.append(embed(pcm))
        if augment:
            noisy += [embed(x) for x in noisy_copies(pcm, AUGMENT_CONDITIONS, rng, speech)]
        if progress is not None:
            progress(i + 1, len(pcms))
    return frames, noisy


def select_windows(frames: list, noisy: list, window_frames: int, normalize: Callable[[np.ndarray], np.ndarray]):
    """Templates of every clip (clean and noisy) and the shifted windows of the clean ones."""
    templates = np.stack([select_template(f, window_frames, normalize) for f in frames + noisy])
    shifted = []
    for f in frames:
        windows = sliding_windows(f, window_frames)
        best = select_template(f, window_frames, normalize)
        k = int(np.argmin(np.abs(windows - best).sum(axis=1)))
        for d in range(-SHIFT_FRAMES, SHIFT_FRAMES + 1):
            if d and 0 <= k + d < windows.shape[0]:
                shifted.append(windows[k + d])
    dim = templates.shape[1]
    return templates, (np.stack(shifted) if shifted else np.zeros((0, dim), np.float32))
