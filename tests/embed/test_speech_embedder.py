"""SpeechEmbedder on the real models: shapes, stream == clip, input checks."""

from __future__ import annotations

import numpy as np
import pytest

from edgeadapt.embed import speech
from edgeadapt.embed.speech import (
    EMBEDDING_DIM,
    EMBEDDING_HOP_SAMPLES,
    EMBEDDING_WINDOW_SAMPLES,
    SAMPLE_RATE,
    SpeechEmbedder,
    num_embeddings,
)
from edgeadapt.embed.tflite import TFLiteModel
from edgeadapt.errors import InputError, MissingExtraError

TOL = dict(rtol=1e-4, atol=1e-4)


@pytest.fixture(scope="module")
def embedder():
    return SpeechEmbedder()


@pytest.fixture(scope="module")
def clip():
    """3.3 s of a chirp plus noise: speech-band energy that changes over time."""
    rng = np.random.default_rng(7)
    t = np.arange(int(3.3 * SAMPLE_RATE)) / SAMPLE_RATE
    x = 0.3 * np.sin(2 * np.pi * (200 + 400 * t) * t) + 0.02 * rng.standard_normal(t.size)
    return np.round(x * 32767).astype(np.int16)


def reference_embeddings(pcm_int16):
    """Direct computation, independent of the embedder's blocking and buffering:
    one mel call on the whole clip, then one embedding call per window."""
    mel = TFLiteModel(speech.default_model_path(speech.MELSPEC_MODEL_FILE))
    emb = TFLiteModel(speech.default_model_path(speech.EMBEDDING_MODEL_FILE))
    frames = mel(pcm_int16.astype(np.float32)[None])[0, 0] / 10 + 2
    rows = []
    start = 0
    while start + 76 <= frames.shape[0]:
        rows.append(emb(frames[None, start:start + 76, :, None]).reshape(96))
        start += 8
    return np.array(rows, np.float32)


def test_embed_clip_matches_direct_computation(embedder, clip):
    e = embedder.embed_clip(clip)
    assert e.shape == (num_embeddings(clip.size), EMBEDDING_DIM) == ((clip.size - 12512) // 1280 + 1, 96)
    assert e.dtype == np.float32
    np.testing.assert_allclose(e, reference_embeddings(clip), **TOL)
    # the embeddings change along the chirp
    assert np.abs(e[0] - e[-1]).max() > 0.1


def test_float_and_int16_pcm_agree(embedder, clip):
    np.testing.assert_allclose(embedder.embed_clip(clip / 32768.0), embedder.embed_clip(clip), **TOL)


def test_short_clip_has_no_embedding(embedder, clip):
    assert embedder.embed_clip(clip[:EMBEDDING_WINDOW_SAMPLES - 1]).shape == (0, 96)
    assert embedder.embed_clip(clip[:EMBEDDING_WINDOW_SAMPLES]).shape == (1, 96)
    assert embedder.embed_clip(clip[:0]).shape == (0, 96)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_stream_equals_clip_for_random_chunk_sizes(embedder, clip, seed):
    rng = np.random.default_rng(seed)
    cuts = np.sort(rng.choice(np.arange(1, clip.size), size=rng.integers(5, 60), replace=False))
    stream = embedder.stream()
    parts = [stream.process(c) for c in np.split(clip, cuts)]
    assert all(p.shape[1] == 96 and p.dtype == np.float32 for p in parts)
    got = np.concatenate(parts)
    np.testing.assert_allclose(got, embedder.embed_clip(clip), **TOL)
    assert stream.samples_seen == clip.size and stream.embeddings_emitted == got.shape[0]


def test_stream_one_sample_at_a_time_then_reset(embedder, clip):
    piece = clip[:EMBEDDING_WINDOW_SAMPLES + EMBEDDING_HOP_SAMPLES]
    stream = embedder.stream()
    out = [stream.process(piece[i:i + 1]) for i in range(piece.size)]
    counts = [o.shape[0] for o in out]
    # an embedding appears exactly when its window is complete
    assert [i for i, c in enumerate(counts) if c] == [EMBEDDING_WINDOW_SAMPLES - 1, piece.size - 1]
    np.testing.assert_allclose(np.concatenate(out), embedder.embed_clip(piece), **TOL)
    stream.reset()
    assert stream.samples_seen == 0
    np.testing.assert_allclose(stream.process(piece), embedder.embed_clip(piece), **TOL)


def test_bad_inputs_name_the_argument_and_fix(embedder, clip):
    with pytest.raises(InputError, match="sample_rate must be 16000 Hz.*sox"):
        embedder.embed_clip(clip, sample_rate=8000)
    with pytest.raises(InputError, match="sample_rate"):
        embedder.embed_clip(clip, sample_rate="16000")
    bad = clip / 32768.0
    bad[100] = np.nan
    with pytest.raises(InputError, match="pcm holds NaN"):
        embedder.embed_clip(bad)
    with pytest.raises(InputError, match=r"beyond \[-1, 1\].*divide"):
        embedder.embed_clip(clip.astype(np.float32))
    with pytest.raises(InputError, match="dtype int32"):
        embedder.embed_clip(clip.astype(np.int32))
    with pytest.raises(InputError, match="1-D mono.*pcm\\[:, 0\\]"):
        embedder.embed_clip(np.stack([clip, clip], axis=1))
    with pytest.raises(InputError, match="chunk holds NaN"):
        embedder.stream().process(np.array([np.inf]))


def test_missing_package_names_the_extra(monkeypatch):
    monkeypatch.setattr(speech, "_MODEL_PACKAGE", "pyopen_wakeword_not_installed")
    with pytest.raises(MissingExtraError, match=r"edgeadapt\[audio\]"):
        SpeechEmbedder().embed_clip(np.zeros(SAMPLE_RATE, np.int16))


def test_explicit_model_paths(clip, tmp_path):
    bad = tmp_path / "mel.tflite"
    bad.write_bytes(b"not a model at all")
    from edgeadapt.errors import ModelError
    with pytest.raises(ModelError, match="not a TFLite model"):
        SpeechEmbedder(melspec_path=bad).embed_clip(clip)
    e = SpeechEmbedder(num_threads=2, melspec_path=speech.default_model_path("melspectrogram.tflite"))
    np.testing.assert_allclose(e.embed_clip(clip[:20000]), SpeechEmbedder().embed_clip(clip[:20000]), **TOL)


def test_matches_pyopen_wakeword_streaming_features(embedder, clip):
    """Parity with the peer implementation (pyopen-wakeword's own front end and its own
    bundled TFLite C library). It pre-fills 8 s of zeros, i.e. 100 embedding hops; its
    embeddings from hop 100 on cover only real audio and must equal ours."""
    import pyopen_wakeword as pow_  # the audio extra installs it
    features = pow_.OpenWakeWordFeatures.from_builtin()
    autofill_hops = 8 * SAMPLE_RATE // EMBEDDING_HOP_SAMPLES
    usable = clip[: clip.size // EMBEDDING_HOP_SAMPLES * EMBEDDING_HOP_SAMPLES]
    theirs = np.concatenate([
        e.reshape(-1, EMBEDDING_DIM)
        for chunk in usable.reshape(-1, EMBEDDING_HOP_SAMPLES)
        for e in features.process_streaming(chunk.tobytes())
    ])[autofill_hops:]
    ours = embedder.embed_clip(usable)
    n = min(len(theirs), len(ours))
    assert n >= len(ours) - 1 and n > 20
    np.testing.assert_allclose(ours[:n], theirs[:n], **TOL)
