"""A simulated week of self-learning on real speech (FSDD), learning on vs. off.

Usage::

    .venv/bin/python bench/fsdd_week.py            # 9 keywords, 7 days; writes bench/out/fsdd_week.json

Each keyword (in this order, fixed before any run: jackson 0, theo 1, yweweler 2,
jackson 3, ...; ``--keywords N`` takes the first N) is enrolled from utterances 0-2. Each day the device hears, through
``WakeWord.process`` in 80 ms chunks (the CLI's path), a third of the household's heard
utterances (indices 3-19 of every digit by all three speakers, in random order with
pauses), among which the enrolled speaker says the keyword ``INTERACTIONS`` times (from
utterances 3-19); a miss is repeated with another utterance 2.5 s later, up to twice.
Every other interaction's first attempt is said while the household talks over it
(babble of ``BABBLE_TALKERS`` stretches of the other speakers' heard utterances, at
``NOISY_SNR_DB``); the repeats are clean (the user speaks up once the device did not
answer). Without such attempts the detector never misses in the week and there is
nothing right to learn, so self-learning precision cannot be measured.
Nobody ever says "reject". Learned entries are checked against the truth (the near miss
was inside one of the enrolled speaker's keyword utterances), false accepts are counted
during the week, and at the end the held-out streams (utterances 20-49) are scored with
the state frozen, as in ``bench/fsdd_wakeword.py``.
"""

from __future__ import annotations

import os

# one BLAS thread: the machine's cores are the benchmark's workers (and on a busy
# machine OpenBLAS's spinning threads made a 288 x 288 Cholesky take 170 ms)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import fsdd_data as F  # noqa: E402
import fsdd_wakeword as B  # noqa: E402

from edgeadapt.apps.wakeword import WakeWord  # noqa: E402
from edgeadapt.apps.wakeword.templates import noisy_copies, speech_pool  # noqa: E402
from edgeadapt.embed.speech import EMBEDDING_HOP_SAMPLES, EMBEDDING_HOP_SECONDS, EMBEDDING_WINDOW_SAMPLES  # noqa: E402

OUT = ROOT / "bench" / "out" / "fsdd_week.json"
KEYWORDS = (("jackson", 0), ("theo", 1), ("yweweler", 2), ("jackson", 3), ("theo", 4), ("yweweler", 5),
            ("jackson", 6), ("theo", 7), ("yweweler", 8))
DAYS = 7
INTERACTIONS = 8
MAX_REPEATS = 2
REPEAT_PAUSE = 2.5
RATE = F.RATE
#: SNR of the talked-over first attempts: the other speakers' babble as loud as the user
#: (0 dB) would drown a word; 5 dB is the lower of the two SNRs enrollment augments with
#: pink noise, so a near miss is likely, a miss not certain.
NOISY_SNR_DB = 5.0


def day_plan(speaker, digit, day):
    """(items, interactions): the day's other speech and which utterances are the user's attempts."""
    rng = np.random.default_rng([day, F.SPEAKERS.index(speaker), digit])
    others = [(d, s, i) for s in F.SPEAKERS for d in F.DIGITS for i in F.HEARD if not (s == speaker and d == digit)]
    rng.shuffle(others)
    others = others[: len(others) // 3]
    mine = [(digit, speaker, i) for i in F.HEARD]
    attempts = [list(rng.choice(len(mine), size=1 + MAX_REPEATS, replace=False)) for _ in range(INTERACTIONS)]
    cuts = np.sort(rng.choice(len(others), size=INTERACTIONS, replace=False))
    return others, cuts, [[mine[j] for j in a] for a in attempts], rng


class Listener:
    """Feeds audio to the app chunk by chunk, keeping the truth of where each clip is."""

    def __init__(self, ww):
        self.ww = ww
        self.samples = 0
        self.spans = []  # (kind, start_s, end_s)
        self.detections = []

    def feed(self, pcm, kind=None):
        if kind is not None:
            self.spans.append((kind, self.samples / RATE, (self.samples + pcm.size) / RATE))
        dets = []
        for i in range(0, pcm.size, EMBEDDING_HOP_SAMPLES):
            dets += self.ww.process(pcm[i:i + EMBEDDING_HOP_SAMPLES])
        self.samples += pcm.size
        self.detections += dets
        return dets

    def kind_at(self, end):
        """What was said where the window ending at ``end`` is centred (see ``B.attribute``)."""
        j = B.nearest_clip(B.window_centre(end, self.ww.window_frames), [(k, None, None, a, b) for k, a, b in self.spans])
        return self.spans[j][0] if j >= 0 else None


def run(args):
    speaker, digit, learn = args
    ww = WakeWord(learn=learn)
    ww.enroll("kw", [F.clip(digit, speaker, i) for i in F.ENROLL])
    learned, fa, fa_other_kw, attempts, misses, seconds = [], 0, 0, 0, 0, 0.0
    rng_noise = np.random.default_rng(7)
    for day in range(DAYS):
        others, cuts, tries, rng = day_plan(speaker, digit, day)
        lis = Listener(ww)
        heard0 = ww.heard_seconds
        log0 = len(ww.near_miss_log)
        k = 0
        for j, item in enumerate(others):
            lis.feed(np.zeros(int(rng.uniform(*F.PAUSE_SECONDS) * RATE), np.int16))
            d, s, _ = item
            lis.feed(F.clip(*item), "kw_other_speaker" if d == digit else "other")
            if k < len(cuts) and j == cuts[k]:
                for n, attempt in enumerate(tries[k]):
                    lis.feed(np.zeros(int(REPEAT_PAUSE * RATE), np.int16))
                    pcm = F.clip(*attempt)
                    if n == 0 and k % 2 == 0:  # talked over
                        voices = [o for o in others if o[1] != speaker]
                        talkers = [F.clip(*voices[int(i)]) for i in rng.choice(len(voices), size=3, replace=False)]
                        pcm = noisy_copies(pcm, [("babble", NOISY_SNR_DB)], rng, speech_pool(talkers))[0]
                    got = lis.feed(pcm, "kw")
                    got += lis.feed(np.zeros(int(1.0 * RATE), np.int16))
                    attempts += 1
                    if any(lis.kind_at(x.time) == "kw" for x in got):
                        break
                    misses += 1
                k += 1
        lis.feed(np.zeros(2 * RATE, np.int16))
        lis.detections += ww.end_stream()
        seconds += lis.samples / RATE
        for det in lis.detections:
            kind = lis.kind_at(det.time)
            if kind == "kw_other_speaker":
                fa_other_kw += 1
            elif kind != "kw":
                fa += 1
        pad = (ww.window_frames - 1) * EMBEDDING_HOP_SAMPLES
        for e in ww.near_miss_log[log0:]:
            if not e.accepted:
                continue
            frame = round((e.stream_time - heard0) / EMBEDDING_HOP_SECONDS) - 1
            end = (frame * EMBEDDING_HOP_SAMPLES + EMBEDDING_WINDOW_SAMPLES - pad) / RATE
            learned.append({"day": day, "correct": lis.kind_at(end) == "kw", "kind": lis.kind_at(end),
                            "reason": e.reason})
    declined = {}
    for e in ww.near_miss_log:
        if not e.accepted:
            key = e.reason.split(" (")[0]
            declined[key] = declined.get(key, 0) + 1
    # held-out evaluation, frozen
    emb, meta = B.build_streams()
    ww.learn, ww.adapt_background = False, False
    kw_hit = kw_n = eval_fa = 0
    eval_seconds = 0.0
    for sp in F.SPEAKERS:
        spans = meta[f"eval.{sp}"]["spans"]
        eval_seconds += meta[f"eval.{sp}"]["seconds"]
        dets = ww.listen_embeddings(emb[f"eval.{sp}"])
        fired = set(j for j in B.attribute(dets, spans) if j >= 0)
        stray = sum(1 for j in B.attribute(dets, spans) if j < 0)
        for j, (d, s, _, _, _) in enumerate(spans):
            if s == speaker and d == digit:
                kw_n += 1
                kw_hit += j in fired
            elif d != digit and j in fired:
                eval_fa += 1
        eval_fa += stray
    return {"speaker": speaker, "digit": digit, "learn": learn, "learned": learned, "declined": declined,
            "week_fa": fa, "week_fa_per_hour": fa / (seconds / 3600), "week_other_speaker_kw": fa_other_kw,
            "attempts": attempts, "misses": misses, "week_hours": seconds / 3600,
            "eval_frr": 1 - kw_hit / kw_n, "eval_fa_per_hour": eval_fa / (eval_seconds / 3600)}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--keywords", type=int, default=len(KEYWORDS))
    p.add_argument("--only", default=None, help="one keyword, e.g. theo:1")
    p.add_argument("--json", default=str(OUT))
    args = p.parse_args(argv)
    B.build_streams()
    chosen = KEYWORDS[: args.keywords]
    if args.only:
        sp, d = args.only.split(":")
        chosen = ((sp, int(d)),)
    jobs = [(sp, d, learn) for sp, d in chosen for learn in (True, False)]
    with ProcessPoolExecutor(args.workers) as pool:
        rows = list(pool.map(run, jobs))
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(rows, indent=1))
    on = [r for r in rows if r["learn"]]
    off = [r for r in rows if not r["learn"]]
    n_learned = sum(len(r["learned"]) for r in on)
    n_correct = sum(x["correct"] for r in on for x in r["learned"])
    print(f"learned {n_learned}, correct {n_correct}")
    for name, rs in (("on", on), ("off", off)):
        print(name, "week FA", sum(r["week_fa"] for r in rs), "FA/h %.2f" % (sum(r["week_fa"] for r in rs) /
              sum(r["week_hours"] for r in rs)), "misses %d/%d" % (sum(r["misses"] for r in rs),
              sum(r["attempts"] for r in rs)), "eval FRR %.3f" % np.mean([r["eval_frr"] for r in rs]),
              "eval FA/h %.2f" % np.mean([r["eval_fa_per_hour"] for r in rs]))


if __name__ == "__main__":
    main()
