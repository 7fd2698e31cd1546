"""Enroll a personal wake word from three utterances, then listen to a stream.

Runs on the sample audio shipped with edgeadapt (no microphone needed)::

    .venv/bin/python examples/wakeword_enroll_and_listen.py [STATE_FILE]

The state file (default: a temporary one) keeps the enrolled templates, the background
estimate and the self-learning counters; run the script twice with the same file and
the second run starts from what the first one learned.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import edgeadapt
from edgeadapt.apps.wakeword import WakeWord
from edgeadapt.embed.speech import EMBEDDING_HOP_SAMPLES, SAMPLE_RATE
from edgeadapt.sources.wav import WavSource

SAMPLE = Path(edgeadapt.__file__).parent / "data" / "wakeword"


def main(state_path: str) -> None:
    manifest = json.loads((SAMPLE / "manifest.json").read_text())
    enroll = [SAMPLE / e["file"] for e in manifest["files"] if e["kind"] == "enroll"]
    stream = next(e for e in manifest["files"] if e["kind"] == "stream")

    # The state lives in a file: enrollments are saved durably before enroll() returns.
    with WakeWord.open(state_path) as detector:
        if "nova" not in detector.labels:
            ids = detector.enroll("nova", enroll)
            print(f"enrolled 'nova': {len(ids)} templates")

        # Feed audio in 80 ms chunks, as a microphone would deliver it.
        detections = []
        for chunk in WavSource(SAMPLE / stream["file"], EMBEDDING_HOP_SAMPLES):
            detections += detector.process(chunk, sample_rate=SAMPLE_RATE)
        detections += detector.end_stream()  # end of the recording: its last second is scored too
        for det in detections:
            print(f"{det.time:6.2f} s  {det.label}  score {det.score:.3f}  entry {det.entry_id}")
        print("true keyword times:", ", ".join(f"{on:.2f}-{off:.2f} s" for on, off in stream["keyword_times"]))

        # Near misses that a detection confirmed were enrolled as "pseudo" entries:
        # list them, and drop them if they were wrong.
        for entry in detector.pseudo_entries():
            print(f"pseudo-labelled entry {entry.id} of {entry.label!r}")
        # detector.reject()   # the last detection was wrong: a hard negative, and what it taught is undone
        # detector.drop([e.id for e in detector.pseudo_entries()])  # undo all self-learning


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(Path(tempfile.mkdtemp()) / "wakeword.ea"))
