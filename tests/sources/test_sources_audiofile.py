"""read_audio on real speech (FSDD, 8 kHz) written by libsndfile in the containers, sample
formats, rates and channel counts users have: WAV (PCM 8/16/24/32, float, WAVE_FORMAT_EXTENSIBLE),
FLAC, OGG; 8-48 kHz; 1-6 channels; standard input; damaged and hostile files."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy  # noqa: F401  (the audio extra, which the test command installs)
import soundfile

from edgeadapt.errors import InputError
from edgeadapt.sources.audio import resample
from edgeadapt.sources.audiofile import AudioFileSource, read_audio
from edgeadapt.sources.wav import read_wav, write_wav

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "fsdd" / "recordings"
RATE = 16000
#: Two decodings of one recording through different rate chains agree this well (correlation);
#: 16-bit quantization and the polyphase filters' ripple keep it below 1.
MIN_CORRELATION = 0.99


@pytest.fixture(scope="module")
def speech() -> tuple[np.ndarray, int]:
    path = DATA / "3_jackson_0.wav"
    if not path.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing: CI has shared/data beside the clone")
        pytest.skip(f"{path}: shared/data not present")
    return read_wav(path)


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    n = min(a.size, b.size)
    return float(np.corrcoef(a[:n].astype(np.float64), b[:n].astype(np.float64))[0, 1])


@pytest.mark.parametrize("fmt, subtype, channels, rate", [
    ("WAV", "PCM_16", 1, 8000),
    ("WAV", "PCM_16", 2, 44100),
    ("WAV", "PCM_24", 2, 48000),
    ("WAV", "PCM_32", 1, 22050),
    ("WAV", "PCM_U8", 1, 11025),
    ("WAV", "FLOAT", 2, 32000),
    ("WAVEX", "PCM_16", 2, 44100),   # WAVE_FORMAT_EXTENSIBLE, what many USB recorders write
    ("WAVEX", "PCM_24", 6, 48000),
    ("FLAC", "PCM_16", 2, 44100),
    ("FLAC", "PCM_24", 1, 96000),
    ("OGG", "VORBIS", 2, 44100),
])
def test_any_container_rate_and_channel_count_gives_the_same_16k_speech(tmp_path, speech, fmt, subtype, channels, rate):
    pcm8k, rate8k = speech
    reference = resample(pcm8k, rate8k, RATE)
    at_rate = resample(pcm8k, rate8k, rate) if rate != rate8k else pcm8k
    frames = np.repeat(at_rate[:, None], channels, axis=1).astype(np.float64) / 32768.0
    path = tmp_path / f"speech.{'ogg' if fmt == 'OGG' else 'flac' if fmt == 'FLAC' else 'wav'}"
    soundfile.write(path, frames, rate, format=fmt, subtype=subtype)
    pcm, info = read_audio(path, rate=RATE)
    assert pcm.dtype == np.int16 and info.rate == RATE and info.channels == channels and info.source_rate == rate
    assert info.format == fmt and info.subtype == subtype
    assert abs(pcm.size - reference.size) <= RATE // 100, (pcm.size, reference.size)  # within 10 ms
    lossy = 0.05 if subtype in ("VORBIS", "PCM_U8") else 0.0
    assert _corr(pcm, reference) > MIN_CORRELATION - lossy


def test_16k_mono_16bit_is_read_exactly_and_without_a_note(tmp_path, caplog):
    pcm = np.random.default_rng(1).integers(-32768, 32768, 5000).astype(np.int16)
    path = tmp_path / "a.wav"
    write_wav(path, pcm, RATE)
    with caplog.at_level(logging.INFO, logger="edgeadapt"):
        back, info = read_audio(path, rate=RATE)
    np.testing.assert_array_equal(back, pcm)
    assert info.conversion is None and caplog.records == []


def test_a_conversion_is_one_line_naming_the_file(tmp_path, caplog):
    path = tmp_path / "usb-mic.wav"
    soundfile.write(path, np.zeros((4800, 2), np.int16), 48000)
    with caplog.at_level(logging.INFO, logger="edgeadapt"):
        read_audio(path, rate=RATE)
    (record,) = caplog.records
    assert record.getMessage() == f"{path}: WAV PCM_16, 2 channels mixed to mono, 48000 Hz resampled to 16000 Hz in-process"


def test_stereo_is_mixed_by_the_mean_of_the_channels(tmp_path):
    left = np.full(100, 1000, np.int16)
    right = np.full(100, -3000, np.int16)
    path = tmp_path / "lr.wav"
    soundfile.write(path, np.stack([left, right], axis=1), RATE, subtype="PCM_16")
    pcm, _ = read_audio(path)
    assert pcm.tolist() == [-1000] * 100


def test_float_beyond_full_scale_is_clipped_and_counted(tmp_path):
    path = tmp_path / "loud.wav"
    soundfile.write(path, np.array([0.0, 1.5, -2.0, 0.5]), RATE, subtype="FLOAT")
    pcm, info = read_audio(path)
    assert pcm.tolist() == [0, 32767, -32768, 16384] and info.clipped == 2
    assert "2 samples beyond full scale clipped" in info.conversion


def test_an_empty_file_gives_no_samples(tmp_path):
    path = tmp_path / "empty.wav"  # a header and no samples
    soundfile.write(path, np.zeros((0, 2), np.int16), 44100)
    pcm, info = read_audio(path, rate=RATE)
    assert pcm.shape == (0,) and info.frames == 0


def test_a_cut_file_gives_what_it_holds(tmp_path, speech):
    path = tmp_path / "cut.wav"
    write_wav(path, speech[0], speech[1])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2 + 1])  # cut mid-sample
    pcm, info = read_audio(path)
    assert 0 < pcm.size < speech[0].size and info.frames == pcm.size
    np.testing.assert_array_equal(pcm, speech[0][: pcm.size])


def test_standard_input(tmp_path, speech):
    path = tmp_path / "in.flac"
    soundfile.write(path, speech[0], speech[1])
    code = ("import sys; from edgeadapt.sources.audiofile import read_audio; "
            "pcm, info = read_audio('-', rate=16000); print(pcm.size, info.path, info.format)")
    with open(path, "rb") as stdin:
        out = subprocess.run([sys.executable, "-c", code], stdin=stdin, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [str(resample(speech[0], speech[1], RATE).size), "-", "FLAC"]


@pytest.mark.parametrize("content, match", [
    (b"", "not an audio file"),
    (b"RIFF\x24\x00\x00\x00WAVEjunkjunkjunk", "not an audio file"),
    (b"fLaC" + bytes(range(256)) * 4, "not an audio file"),
    (b"hello, this is a text file\n" * 20, "not an audio file"),
])
def test_damaged_or_foreign_files_are_refused_in_one_line(tmp_path, content, match):
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(InputError, match=match) as e:
        read_audio(path, rate=RATE)
    assert str(path) in str(e.value) and "\n" not in str(e.value) and "sox" in str(e.value)


def test_rates_outside_the_supported_range_and_bad_arguments(tmp_path):
    path = tmp_path / "low.wav"
    soundfile.write(path, np.zeros(400, np.int16), 4000)
    with pytest.raises(InputError, match=r"4000 Hz.*8000-192000 Hz"):
        read_audio(path, rate=RATE)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_audio(tmp_path / "none.wav")
    with pytest.raises(InputError, match="is a directory"):
        read_audio(tmp_path)
    with pytest.raises(InputError, match="rate must be a positive integer"):
        read_audio(path, rate=0)


def test_file_source_chunks_the_converted_audio(tmp_path, speech):
    path = tmp_path / "s.flac"
    soundfile.write(path, np.stack([speech[0]] * 2, axis=1), speech[1])
    src = AudioFileSource(path, 1280, rate=RATE)
    chunks = list(src)
    whole, _ = read_audio(path, rate=RATE)
    np.testing.assert_array_equal(np.concatenate(chunks), whole)
    assert all(c.size == 1280 for c in chunks[:-1]) and src.info is not None and src.info.channels == 2
