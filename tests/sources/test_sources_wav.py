"""WAV reading/writing and the shared PCM helpers, on real files."""

from __future__ import annotations

import subprocess
import os
import shutil
import wave

import numpy as np
import pytest

from edgeadapt.errors import InputError
from edgeadapt.sources.audio import Rechunker, to_int16
from edgeadapt.sources.wav import WavSource, read_wav, write_wav


def test_round_trip_int16_and_float(tmp_path):
    rng = np.random.default_rng(0)
    pcm = rng.integers(-32768, 32768, 4001).astype(np.int16)
    path = tmp_path / "a.wav"
    write_wav(path, pcm, 16000)
    back, rate = read_wav(path)
    assert rate == 16000 and back.dtype == np.int16
    np.testing.assert_array_equal(back, pcm)
    write_wav(path, pcm / 32768.0, 22050)
    back, rate = read_wav(path)
    assert rate == 22050
    np.testing.assert_array_equal(back, pcm)


def test_wav_source_chunks_concatenate_to_the_file(tmp_path):
    pcm = np.arange(10_000, dtype=np.int64).astype(np.int16)
    path = tmp_path / "b.wav"
    write_wav(path, pcm, 16000)
    chunks = list(WavSource(path, 1280))
    assert [c.size for c in chunks] == [1280] * 7 + [10_000 - 7 * 1280]
    assert all(c.dtype == np.int16 for c in chunks)
    np.testing.assert_array_equal(np.concatenate(chunks), pcm)
    assert WavSource(path, 1280).sample_rate == 16000
    with pytest.raises(InputError, match="chunk_samples must be a positive integer"):
        list(WavSource(path, 0))


@pytest.mark.skipif(
    shutil.which("sox") is None and not os.environ.get("CI"),
    reason="sox is not installed (scripts/setup-system installs it; under CI this test fails instead)",
)
def test_wav_written_by_sox_is_read(tmp_path):
    path = tmp_path / "sox.wav"
    subprocess.run(["sox", "-n", "-r", "16000", "-b", "16", "-c", "1", str(path), "synth", "0.1", "sine", "440"], check=True)
    pcm, rate = read_wav(path)
    assert rate == 16000 and pcm.size == 1600 and np.abs(pcm).max() > 10_000


def test_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_wav(tmp_path / "none.wav")
    text = tmp_path / "t.wav"
    text.write_text("hello, not audio")
    with pytest.raises(InputError, match="is not a PCM WAV file"):
        read_wav(text)
    stereo = tmp_path / "s.wav"
    with wave.open(str(stereo), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(np.zeros(20, np.int16).tobytes())
    with pytest.raises(InputError, match="2 channel.*read_audio.*sox in.wav -r 16000 -b 16 -c 1"):
        read_wav(stereo)
    eight = tmp_path / "8bit.wav"
    with wave.open(str(eight), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(8000)
        w.writeframes(bytes(10))
    with pytest.raises(InputError, match="8-bit"):
        read_wav(eight)
    cut = tmp_path / "cut.wav"
    write_wav(cut, np.zeros(1000, np.int16), 16000)
    cut.write_bytes(cut.read_bytes()[:-500])
    with pytest.raises(InputError, match="truncated"):
        read_wav(cut)
    with pytest.raises(InputError, match="rate must be a positive integer"):
        write_wav(tmp_path / "r.wav", np.zeros(3, np.int16), 0)
    with pytest.raises(InputError, match=r"beyond \[-1, 1\]"):
        write_wav(tmp_path / "r.wav", np.array([2.0]), 16000)


def test_to_int16_conversion():
    x = np.array([-1.0, -0.5, 0.0, 0.25, 1.0])
    assert to_int16(x).tolist() == [-32768, -16384, 0, 8192, 32767]
    assert to_int16(np.float32([0.5])).dtype == np.int16
    with pytest.raises(InputError, match="dtype uint8"):
        to_int16(np.zeros(3, np.uint8))
    with pytest.raises(InputError, match="1-D mono"):
        to_int16(np.zeros((3, 2), np.int16))


def test_rechunker_any_block_sizes():
    rng = np.random.default_rng(3)
    pcm = rng.integers(-1000, 1000, 9999).astype(np.int16)
    r = Rechunker(1280)
    out = []
    for block in np.split(pcm, np.sort(rng.choice(np.arange(1, pcm.size), 40, replace=False))):
        out += r.push(block)
    assert all(c.size == 1280 for c in out)
    np.testing.assert_array_equal(np.concatenate(out + [r.flush()]), pcm)
    assert r.pending == 0
