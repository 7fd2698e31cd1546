"""Two-word wake word on the synthetic corpus (espeak-ng + sox), through the CLI's code path.

Usage::

    .venv/bin/python bench/wakeword_synth.py [--corpus bench/out/wakeword_corpus]

The corpus (``bench/wakeword_corpus.py``, generated if missing) holds 3 enrollment
utterances of "hey nova", positives by the same voice, the keyword by other voices,
confusable phrases (sound-alikes such as "hey noah", and phrases that contain the keyword
such as "bossa nova"), >= 30 min of other speech and streams with the keyword inside.

1. Enroll from the 3 utterances (``WakeWord.enroll``).
2. Listen to every negative file (``stream_embeddings`` + ``listen_embeddings``: the
   CLI's chunking and padding), learning the background and the verifier's negatives
   (not near misses); every detection is a false accept, counted as it happens.
3. Frozen, listen to every other file as its own recording. A sound-alike that fires is
   a false accept (counted into the false accepts per hour "with sound-alikes", over the
   negatives' and the sound-alikes' duration); a phrase that contains the keyword is
   reported apart.
"""

from __future__ import annotations

import os

# one BLAS thread: the machine's cores are the benchmark's workers (and on a busy
# machine OpenBLAS's spinning threads made a 288 x 288 Cholesky take 170 ms)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import fsdd_wakeword as B  # noqa: E402

from edgeadapt.sources.wav import read_wav  # noqa: E402

DEFAULT_CORPUS = ROOT / "bench" / "out" / "wakeword_corpus"
OUT = ROOT / "bench" / "out" / "wakeword_synth.json"
NAME = "me"


def contains_keyword(text: str, keyword: str) -> bool:
    return keyword.split()[-1] in text.split()


def run(corpus: Path, scorer: str, overrides: dict) -> dict:
    manifest = json.loads((corpus / "manifest.json").read_text())
    keyword = manifest.get("keyword", "hey nova")
    kinds: dict = {}
    for e in manifest["files"]:
        kinds.setdefault(e["kind"], []).append(e)
    ww = B.make(scorer, learn=False, **overrides)
    ww.enroll(NAME, [corpus / e["file"] for e in kinds["enroll"]])

    def listen(entry):
        pcm, _ = read_wav(corpus / entry["file"])
        return ww.listen_embeddings(ww.stream_embeddings(pcm)), pcm.size / 16000

    neg_fa, neg_s = 0, 0.0
    for e in kinds["negative"]:
        dets, s = listen(e)
        neg_fa += len(dets)
        neg_s += s
    ww.adapt_background = False
    if scorer == "logreg":
        ww.verifier.train(ww.scorer.positives())
    res = {"scorer": scorer, "negative_minutes": neg_s / 60, "negative_fa": neg_fa}
    pos = [(e, len(listen(e)[0]) > 0) for e in kinds["positive"]]
    res["frr"] = 1 - np.mean([h for _, h in pos])
    by_noise: dict = {}
    for e, h in pos:
        by_noise.setdefault(e["noise"], []).append(h)
    res["frr_by_noise"] = {k: 1 - float(np.mean(v)) for k, v in by_noise.items()}
    res["other_voice_accept"] = float(np.mean([len(listen(e)[0]) > 0 for e in kinds["other_voice"]]))
    alike_fa, alike_s, per_phrase = 0, 0.0, {}
    contain = []
    for e in kinds["confusable"]:
        dets, s = listen(e)
        fired = len(dets) > 0
        per_phrase.setdefault(e["text"], []).append(fired)
        if contains_keyword(e["text"], keyword):
            contain.append(fired)
        else:
            alike_fa += len(dets)
            alike_s += s
    res["soundalike_accept"] = {k: f"{sum(v)}/{len(v)}" for k, v in per_phrase.items()}
    res["contains_keyword_accept"] = float(np.mean(contain)) if contain else None
    res["fa_per_hour_negatives"] = neg_fa / (neg_s / 3600)
    res["fa_per_hour_with_soundalikes"] = (neg_fa + alike_fa) / ((neg_s + alike_s) / 3600)
    hits = total = stream_fa = 0
    for e in kinds.get("stream", []):
        dets, _ = listen(e)
        times = e["keyword_times"]
        used = set()
        for on, off in times:
            j = next((k for k, d in enumerate(dets) if k not in used and on <= d.time <= off + B.TOLERANCE), None)
            total += 1
            if j is not None:
                used.add(j)
                hits += 1
        stream_fa += len(dets) - len(used)
    res["stream_hits"], res["stream_keywords"], res["stream_fa"] = hits, total, stream_fa
    return res


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    p.add_argument("--scorers", default=",".join(B.SCORERS))
    p.add_argument("--set", action="append", default=[])
    p.add_argument("--json", type=Path, default=OUT)
    args = p.parse_args(argv)
    if not (args.corpus / "manifest.json").is_file():
        subprocess.run([sys.executable, str(ROOT / "bench" / "wakeword_corpus.py"), "--out", str(args.corpus)],
                       check=True)
    overrides = {k: json.loads(v) for k, v in (s.split("=", 1) for s in args.set)}
    rows = [run(args.corpus, s, overrides) for s in args.scorers.split(",")]
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(rows, indent=1, default=float))
    for r in rows:
        print(json.dumps(r, default=float))


if __name__ == "__main__":
    main()
