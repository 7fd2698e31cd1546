"""The Free Spoken Digit Dataset subset in ``../shared/data/fsdd`` as 16 kHz clips and streams.

FSDD (CC BY-SA 4.0) holds 50 utterances of each digit by each speaker, 8 kHz, trimmed.
Here each digit is a keyword for each speaker. Clips are resampled in-process with
:func:`edgeadapt.sources.audio.resample` (the same function the CLI uses).

Split (fixed before any figure was looked at, by utterance index, the dataset's own
convention being indices 0-4 "test"):

- ``ENROLL`` indices 0, 1, 2: the three enrollment utterances of a keyword;
- ``HEARD`` indices 3-19: audio the device hears while it is used (the simulated week's
  streams, self-learning, hard negatives);
- ``EVAL`` indices 20-49: held out, never heard before the evaluation.

Streams join clips with pauses drawn uniformly from ``PAUSE_SECONDS`` of digital silence
plus quiet noise (``NOISE_RMS``), so a stream has real pauses between words.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from edgeadapt.sources.audio import resample
from edgeadapt.sources.wav import read_wav

ROOT = Path(__file__).resolve().parents[1]
FSDD = ROOT / ".." / "shared" / "data" / "fsdd" / "recordings"
RATE = 16000
DIGITS = tuple(range(10))
SPEAKERS = ("jackson", "theo", "yweweler")
ENROLL = (0, 1, 2)
HEARD = tuple(range(3, 20))
EVAL = tuple(range(20, 50))
#: Pause between words in a stream, seconds (a person reading digits aloud, with breath).
PAUSE_SECONDS = (0.4, 1.6)
#: Room noise in the pauses and under the words, int16 RMS (about -60 dBFS: a quiet room).
NOISE_RMS = 30.0
_NAME = re.compile(r"^(\d)_([a-z]+)_(\d+)\.wav$")


def available() -> bool:
    return FSDD.is_dir()


@lru_cache(maxsize=None)
def clip(digit: int, speaker: str, index: int) -> np.ndarray:
    """One recording at 16 kHz, int16."""
    pcm, rate = read_wav(FSDD / f"{digit}_{speaker}_{index}.wav")
    return resample(pcm, rate, RATE)


def stream(items, seed: int, noise_rms: float = NOISE_RMS):
    """Join clips ``items`` (``(digit, speaker, index)``) with pauses into one stream.

    Returns ``(pcm int16, spans)`` where ``spans`` is a list of
    ``(digit, speaker, index, start_s, end_s)``. The stream starts with a pause.
    """
    rng = np.random.default_rng(seed)
    parts, spans, at = [], [], 0
    for digit, speaker, index in items:
        gap = int(rng.uniform(*PAUSE_SECONDS) * RATE)
        parts.append(np.zeros(gap))
        at += gap
        x = clip(digit, speaker, index).astype(np.float64)
        parts.append(x)
        spans.append((digit, speaker, index, at / RATE, (at + x.size) / RATE))
        at += x.size
    tail = int(PAUSE_SECONDS[1] * RATE)
    parts.append(np.zeros(tail))
    pcm = np.concatenate(parts)
    if noise_rms > 0:
        pcm = pcm + rng.standard_normal(pcm.size) * noise_rms
    return np.clip(np.round(pcm), -32768, 32767).astype(np.int16), spans
