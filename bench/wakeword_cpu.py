"""CPU per second of audio of the whole wake-word app (CLI path: 80 ms chunks), front end apart.

Usage::

    .venv/bin/python bench/wakeword_cpu.py

Enrolls 'hey nova' from the shipped clips, listens to the shipped stream repeated to 6 min
(the verifier takes part after about 4 min), and reports ``time.process_time`` per second of
audio over the last 2 minutes, for the front end alone and for the whole app, with the
verifier on and off, and with the DTW match.
"""

from __future__ import annotations

import os

# one BLAS thread: the machine's cores are the benchmark's workers (and on a busy
# machine OpenBLAS's spinning threads made a 288 x 288 Cholesky take 170 ms)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from edgeadapt.apps.wakeword import WakeWord  # noqa: E402
from edgeadapt.embed.speech import EMBEDDING_HOP_SAMPLES, SpeechEmbedder  # noqa: E402
from edgeadapt.sources.wav import read_wav  # noqa: E402

DATA = ROOT / "edgeadapt" / "data" / "wakeword"
WARM_SECONDS, MEASURE_SECONDS = 240, 120


def main():
    pcm, rate = read_wav(DATA / "test_stream.wav")
    total = (WARM_SECONDS + MEASURE_SECONDS) * rate
    audio = np.tile(pcm, total // pcm.size + 1)[:total]
    warm, measured = audio[: WARM_SECONDS * rate], audio[WARM_SECONDS * rate:]
    chunks = lambda x: [x[i:i + EMBEDDING_HOP_SAMPLES] for i in range(0, x.size, EMBEDDING_HOP_SAMPLES)]  # noqa: E731
    out = {}
    emb = SpeechEmbedder()
    stream = emb.stream()
    for c in chunks(warm[:rate * 10]):
        stream.process(c)
    t = time.process_time()
    for c in chunks(measured):
        stream.process(c)
    out["front_end_ms_per_s"] = 1000 * (time.process_time() - t) / MEASURE_SECONDS
    for key, verify, match in (("verifier", True, "cosine"), ("templates", False, "cosine"), ("dtw", True, "dtw")):
        ww = WakeWord(embedder=emb, verify=verify, learn=True, match=match)
        t = time.process_time()
        ww.enroll("nova", sorted(DATA.glob("enroll_*.wav")))
        enroll = time.process_time() - t
        for c in chunks(warm):
            ww.process(c)
        t = time.process_time()
        for c in chunks(measured):
            ww.process(c)
        out[f"app_{key}_ms_per_s"] = 1000 * (time.process_time() - t) / MEASURE_SECONDS
        out[f"enroll_{key}_ms"] = 1000 * enroll
        out[f"verifier_active_{key}"] = bool(ww.verifier.active)
    print(json.dumps(out))
    (ROOT / "bench" / "out").mkdir(exist_ok=True)
    (ROOT / "bench" / "out" / "wakeword_cpu.json").write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
