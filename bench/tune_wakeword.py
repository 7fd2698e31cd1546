"""Choose the wake-word threshold on tuning corpora (never on the evaluation corpus).

For each tuning corpus (``bench/wakeword_corpus.py --seed 1, 2, 3``; generated if
missing) and each augmentation seed (the random noise of the noisy enrollment copies),
the app is enrolled and evaluated exactly as in ``bench/bench_wakeword.py``: the
negatives are streamed through it (learning the background), then the positives are
scored with that state. The threshold is the lowest one 0.02 or more above the highest
score of other speech over all runs; the false-reject rate at it is reported per run.

Usage::

    .venv/bin/python bench/tune_wakeword.py                    # the shipped enrollment copies
    .venv/bin/python bench/tune_wakeword.py --no-babble        # without the babble copies, to compare
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import edgeadapt.apps.wakeword.app as app_module  # noqa: E402
from bench_wakeword import by_kind, evaluate  # noqa: E402
from edgeadapt.apps.wakeword.templates import AUGMENT_CONDITIONS  # noqa: E402
from edgeadapt.embed.speech import SpeechEmbedder  # noqa: E402
from wakeword_eval import embed_corpus, load_manifest  # noqa: E402

TUNING_SEEDS = (1, 2, 3)
AUGMENT_SEEDS = (0, 1, 2)
#: The threshold keeps this much above the highest score of other speech.
SAFETY_MARGIN = 0.02
CANDIDATES = np.round(np.arange(0.34, 0.485, 0.01), 2)


def corpus_path(seed: int) -> Path:
    return ROOT / "bench" / "out" / f"wakeword_corpus_seed{seed}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--no-babble", action="store_true", help="enroll without the babble copies")
    args = ap.parse_args(argv)
    if args.no_babble:
        app_module.AUGMENT_CONDITIONS = tuple(c for c in AUGMENT_CONDITIONS if c[0] != "babble")
    print(f"enrollment copies: {app_module.AUGMENT_CONDITIONS}")
    embedder = SpeechEmbedder()
    runs = []
    for cseed in TUNING_SEEDS:
        corpus = corpus_path(cseed)
        if not (corpus / "manifest.json").exists():
            subprocess.run([sys.executable, str(ROOT / "bench" / "wakeword_corpus.py"), "--seed", str(cseed),
                            "--out", str(corpus)], check=True)
        manifest = load_manifest(corpus)
        kinds = by_kind(manifest)
        E = embed_corpus(corpus, manifest, embedder)
        for aseed in AUGMENT_SEEDS:
            res = evaluate(corpus, kinds, E, embedder, seed=aseed)
            top = max(float(s.max()) for s, _ in res["traces"] if s.size)
            runs.append((cseed, aseed, top, res["pos"]))
            print(f"corpus seed {cseed}, augmentation seed {aseed}: highest score of other speech {top:.3f}, "
                  f"lowest positives {np.round(np.sort(res['pos'])[:3], 3).tolist()}", flush=True)
    chosen = math.ceil((max(r[2] for r in runs) + SAFETY_MARGIN) * 100 - 1e-9) / 100
    print(f"\nthreshold: {chosen:.2f} (highest score of other speech {max(r[2] for r in runs):.3f} + {SAFETY_MARGIN})")
    print(f"threshold | runs with a score of other speech above it | misses per run (of {len(runs[0][3])}) | mean FRR")
    for thr in CANDIDATES:
        above = sum(r[2] >= thr for r in runs)
        misses = [int(np.sum(r[3] < thr)) for r in runs]
        mark = "  <- chosen" if abs(thr - chosen) < 1e-9 else ""
        print(f"{thr:.2f} | {above} of {len(runs)} | {misses} | {100 * np.mean(misses) / len(runs[0][3]):.1f}%{mark}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
