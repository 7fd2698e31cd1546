"""MicrophoneSource against a real PortAudio capture stream.

The machine has no sound card. ALSA's ``file`` PCM plugin can read capture data from a
file (``infile``) on top of the ``null`` device, so the test writes an ``.asoundrc``
defining such a PCM into a temporary HOME and runs PortAudio (through sounddevice) in a
subprocess with that HOME. The captured samples must equal the file's samples: a real
PortAudio stream, real ALSA, no fake.
"""

from __future__ import annotations

import ctypes.util
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from edgeadapt.errors import InputError
from edgeadapt.sources.microphone import MicrophoneSource

ASOUNDRC = """\
pcm.edgeadapt_test_capture {{
  type file
  slave.pcm "null"
  file "/dev/null"
  infile "{infile}"
  format "raw"
}}
"""

DEVICE = "edgeadapt_test_capture"
LIST_DEVICES = "import sounddevice as sd; print([d['name'] for d in sd.query_devices() if d['max_input_channels']])"

CAPTURE = textwrap.dedent("""
    import sys, numpy as np
    from edgeadapt.sources.microphone import MicrophoneSource
    chunks = []
    with MicrophoneSource(sample_rate=16000, chunk_samples=640, device="edgeadapt_test_capture") as mic:
        for chunk in mic:
            chunks.append(chunk)
            if len(chunks) == 5:
                break
        assert mic._stream is not None
    assert mic._stream is None
    np.save(sys.argv[1], np.stack(chunks))
""")


def _portaudio_missing() -> str | None:
    try:
        import sounddevice  # noqa: F401
    except ImportError as e:
        return f"sounddevice/PortAudio not usable: {e} (run scripts/setup-system)"
    except OSError as e:
        return f"PortAudio library missing: {e} (run scripts/setup-system)"
    if ctypes.util.find_library("asound") is None:
        return "libasound (ALSA) is not installed, so no ALSA file device can be defined"
    return None


def _skip_unless_ci(reason: str) -> None:
    """Skip where PortAudio is absent; under CI, which installs it, fail instead."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} -- CI installs PortAudio through scripts/setup-system, so this is a setup bug")
    pytest.skip(reason)


def test_capture_through_portaudio_from_an_alsa_file_device(tmp_path):
    reason = _portaudio_missing()
    if reason:
        _skip_unless_ci(reason)
    pcm = ((np.arange(16000) * 7) % 20000 - 10000).astype("<i2")
    infile = tmp_path / "capture.raw"
    pcm.tofile(infile)
    home = tmp_path / "home"
    home.mkdir()
    (home / ".asoundrc").write_text(ASOUNDRC.format(infile=infile))
    out = tmp_path / "chunks.npy"
    env = dict(os.environ, HOME=str(home))
    env.pop("ALSA_CONFIG_PATH", None)
    listing = subprocess.run([sys.executable, "-c", LIST_DEVICES], env=env, capture_output=True, text=True, timeout=60)
    if DEVICE not in listing.stdout:
        pytest.skip("PortAudio does not list the ALSA file-backed capture device defined in the test's "
                    f"~/.asoundrc (is PortAudio built without ALSA?): {listing.stdout.strip()[-200:]} "
                    f"{listing.stderr.strip()[-200:]}")
    proc = subprocess.run([sys.executable, "-c", CAPTURE, str(out)], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    chunks = np.load(out)
    assert chunks.shape == (5, 640) and chunks.dtype == np.int16
    np.testing.assert_array_equal(chunks.reshape(-1), pcm[:5 * 640])


def test_unknown_device_is_a_clear_error():
    reason = _portaudio_missing()
    if reason:
        _skip_unless_ci(reason)
    with pytest.raises(InputError, match="cannot open input device 'no such device'.*python -m sounddevice"):
        MicrophoneSource(device="no such device").open()


def test_arguments_are_checked_before_portaudio():
    with pytest.raises(InputError, match="sample_rate must be a positive integer"):
        MicrophoneSource(sample_rate=-1).open()
    with pytest.raises(InputError, match="chunk_samples"):
        MicrophoneSource(chunk_samples=1.5).open()
    with pytest.raises(InputError, match="not open"):
        MicrophoneSource().read()
