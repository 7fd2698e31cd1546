"""The corpus generator (real espeak-ng and sox subprocesses) and the shipped sample audio."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from edgeadapt.embed.speech import SAMPLE_RATE, SpeechEmbedder, embedding_spans
from edgeadapt.sources.wav import read_wav

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "bench" / "wakeword_corpus.py"
SAMPLE = ROOT / "edgeadapt" / "data" / "wakeword"
KINDS = {"enroll", "positive", "other_voice", "confusable", "negative", "stream"}

needs_tools = pytest.mark.skipif(
    (shutil.which("espeak-ng") is None or shutil.which("sox") is None) and not os.environ.get("CI"),
    reason="espeak-ng and sox are needed (scripts/setup-system installs them; under CI these tests fail instead)",
)


def _generate(out: Path, seed: int) -> dict:
    subprocess.run([sys.executable, str(GENERATOR), "--small", "--out", str(out), "--seed", str(seed)],
                   check=True, capture_output=True, timeout=120)
    return json.loads((out / "manifest.json").read_text())


def _digest(out: Path) -> dict:
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*.wav"))}


@needs_tools
def test_small_corpus_is_complete_and_deterministic(tmp_path):
    m = _generate(tmp_path / "a", 3)
    assert {e["kind"] for e in m["files"]} == KINDS
    assert m["sample_rate"] == SAMPLE_RATE and m["keyword"] == "hey nova"
    for e in m["files"]:
        pcm, rate = read_wav(tmp_path / "a" / e["file"])
        assert rate == SAMPLE_RATE and pcm.dtype == np.int16
        assert e["duration"] == pytest.approx(pcm.size / SAMPLE_RATE, abs=1e-3)
        assert np.abs(pcm.astype(np.int32)).max() > 1000, e["file"]  # there is audio in it
        for on, off in e["keyword_times"]:
            assert 0 <= on < off <= e["duration"]
        if e["kind"] in ("enroll", "positive", "other_voice", "stream"):
            assert e["keyword_times"], e["file"]
        else:
            assert e["keyword_times"] == []
        if e["kind"] == "enroll":
            assert e["speaker"] == m["enroll_speaker"] and e["snr"] is None
    # same seed, same bytes; another seed, other audio
    _generate(tmp_path / "b", 3)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    _generate(tmp_path / "c", 4)
    da, dc = _digest(tmp_path / "a"), _digest(tmp_path / "c")
    assert da.keys() == dc.keys() and da["negative/negative_00.wav"] != dc["negative/negative_00.wav"]


def test_shipped_sample_matches_its_manifest():
    m = json.loads((SAMPLE / "manifest.json").read_text())
    files = {e["file"]: e for e in m["files"]}
    assert set(files) == {"enroll_1.wav", "enroll_2.wav", "enroll_3.wav", "test_stream.wav"}
    total = sum(p.stat().st_size for p in SAMPLE.iterdir())
    assert total < 1.5e6
    for name, e in files.items():
        pcm, rate = read_wav(SAMPLE / name)
        assert rate == SAMPLE_RATE and e["duration"] == pytest.approx(pcm.size / SAMPLE_RATE, abs=1e-3)
    stream = files["test_stream.wav"]
    assert 20 <= stream["duration"] <= 30 and 3 <= len(stream["keyword_times"]) <= 4


def test_shipped_sample_keywords_are_nearest_to_the_enrollment():
    """Front end + data check: each keyword in the test stream has a window closer (cosine)
    to the enrollment embeddings than any window that does not overlap a keyword."""
    embedder = SpeechEmbedder()
    enroll = np.concatenate([embedder.embed_clip(read_wav(SAMPLE / f"enroll_{i}.wav")[0]) for i in (1, 2, 3)])
    stream = embedder.embed_clip(read_wav(SAMPLE / "test_stream.wav")[0])
    unit = lambda x: x / np.linalg.norm(x, axis=1, keepdims=True)  # noqa: E731
    sim = (unit(stream) @ unit(enroll).T).max(axis=1)
    start, end = embedding_spans(sim.size).T
    times = json.loads((SAMPLE / "manifest.json").read_text())["files"][-1]["keyword_times"]
    far = np.array([all(b < on or a > off for on, off in times) for a, b in zip(start, end)])
    best_far = sim[far].max()
    for on, off in times:
        covering = (start <= on) & (end >= off)
        assert covering.any() and sim[covering].max() > best_far, (on, off)
