"""One front end on real speech with pauses: a clip and any chunking give the same embeddings.

FSDD recordings (../shared/data/fsdd, real people, 8 kHz, resampled in-process) joined
with digital silence: the case where the mel model's per-call "loudest minus 80 dB"
clipping used to make offline and streaming embeddings differ by up to 25.
"""

from __future__ import annotations

import os

from pathlib import Path

import numpy as np
import pytest

from edgeadapt.embed import speech
from edgeadapt.embed.speech import EMBEDDING_HOP_SAMPLES, SpeechEmbedder
from edgeadapt.embed.tflite import TFLiteModel
from edgeadapt.sources.audio import resample
from edgeadapt.sources.wav import read_wav

FSDD = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "fsdd" / "recordings"
# CI has shared/ beside the clone: there the data must be found, not skipped.
pytestmark = pytest.mark.skipif(not FSDD.is_dir() and not os.environ.get("CI"), reason="the shared FSDD data is not beside the repo")


@pytest.fixture(scope="module")
def speech_with_pauses():
    parts = []
    for i, name in enumerate(["3_theo_7.wav", "8_jackson_12.wav", "1_yweweler_30.wav", "6_theo_41.wav"]):
        pcm, rate = read_wav(FSDD / name)
        parts += [np.zeros(int(16000 * (0.3 + 0.4 * i)), np.int16), resample(pcm, rate, 16000)]
    parts.append(np.zeros(16000, np.int16))
    return np.concatenate(parts)


@pytest.fixture(scope="module")
def embedder():
    return SpeechEmbedder()


def test_clip_equals_stream_exactly_for_any_chunking(embedder, speech_with_pauses):
    pcm = speech_with_pauses
    clip = embedder.embed_clip(pcm)
    assert clip.shape[0] > 40
    rng = np.random.default_rng(0)
    for cuts in (np.arange(EMBEDDING_HOP_SAMPLES, pcm.size, EMBEDDING_HOP_SAMPLES),  # the CLI's 80 ms
                 np.sort(rng.choice(np.arange(1, pcm.size), 50, replace=False))):
        stream = embedder.stream()
        got = np.concatenate([stream.process(c) for c in np.split(pcm, cuts)])
        np.testing.assert_array_equal(got, clip)


def test_float_input_embeds_as_its_int16_rounding(embedder, speech_with_pauses):
    pcm = speech_with_pauses[:40000]
    np.testing.assert_array_equal(embedder.embed_clip(pcm / 32768.0), embedder.embed_clip(pcm))
    np.testing.assert_array_equal(embedder.embed_clip((pcm + 0.3) / 32768.0), embedder.embed_clip(pcm))


def test_one_mel_call_over_the_whole_clip_would_differ(speech_with_pauses):
    """Why the fixed blocks: the model's own clipping depends on how the audio is cut."""
    mel = TFLiteModel(speech.default_model_path(speech.MELSPEC_MODEL_FILE)).load()
    x = speech_with_pauses.astype(np.float32)
    whole = mel(x[None]).reshape(-1, speech.MEL_BANDS)
    blocks = SpeechEmbedder().mel_frames(x)
    n = blocks.shape[0]
    rescaled = np.maximum(whole[:n], speech.MEL_FLOOR) * speech.MEL_SCALE + speech.MEL_OFFSET
    assert np.abs(rescaled - blocks).max() > 1.0


def test_the_two_pcm_converters_agree_sample_for_sample():
    from edgeadapt.embed.speech import PCM_FULL_SCALE as EMBED_SCALE, as_pcm_float
    from edgeadapt.sources.audio import PCM_FULL_SCALE, to_int16

    x = np.random.default_rng(3).uniform(-1, 1, 5000)
    x[:4] = [1.0, -1.0, 0.5 / 32768, -0.5 / 32768]
    assert EMBED_SCALE == PCM_FULL_SCALE
    np.testing.assert_array_equal(as_pcm_float(x), to_int16(x).astype(np.float32))
