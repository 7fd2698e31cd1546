"""Generate a reproducible wake-word evaluation corpus with espeak-ng and sox.

The keyword (default "hey nova") is spoken by one "enrolled" voice for enrollment, then
by the same voice at other rates and pitches, clean and in white, pink and babble noise
at several SNRs (``positive``); by other voices (``other_voice``); confusable phrases
(``confusable``); at least 30 minutes of other speech by many voices, with no keyword
(``negative`` stream files); and ``stream`` files of other speech with the keyword
said at known times. Everything is 16 kHz mono int16 WAV, listed in ``manifest.json``.

Deterministic given ``--seed``: text, voices, rates, gaps and noise come from one
seeded numpy generator drawn in a fixed order; espeak-ng and sox (run with ``-R``, no
dither) are deterministic for the same arguments and versions (recorded in the manifest).

Usage::

    .venv/bin/python bench/wakeword_corpus.py                  # full corpus, bench/out/wakeword_corpus
    .venv/bin/python bench/wakeword_corpus.py --small --out /tmp/c   # a few seconds, for tests
    .venv/bin/python bench/wakeword_corpus.py --sample edgeadapt/data/wakeword  # shipped sample

Manifest entry fields: ``file`` (relative to the manifest), ``kind`` (enroll, positive,
other_voice, confusable, negative, stream), ``speaker`` (espeak-ng voice+variant),
``rate`` (words per minute, None for multi-speaker streams), ``pitch`` (0-99),
``noise`` (none, white, pink, babble), ``snr`` (dB, None when clean), ``text``,
``duration`` (s) and ``keyword_times``: a list of ``[onset, offset]`` in seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from edgeadapt.sources.wav import read_wav, write_wav  # noqa: E402

SAMPLE_RATE = 16000
DEFAULT_OUT = Path(__file__).resolve().parent / "out" / "wakeword_corpus"
KEYWORD = "hey nova"

# --- voices (espeak-ng language voice + variant) --------------------------------------
ENROLL_VOICE = "en-us+m3"
#: (rate wpm, pitch) of the three enrollment takes.
ENROLL_TAKES = ((160, 50), (150, 46), (170, 54))
POSITIVE_RATES = (130, 150, 185, 210)
POSITIVE_PITCHES = (35, 50, 65)
OTHER_VOICES = (
    "en-gb+f2", "en-us+f4", "en-gb-scotland+m1", "en-029+m4", "en-us-nyc+f3",
    "en-gb-x-rp+m7", "en-us+klatt2", "en-gb-x-gbclan+f5", "en-us+m6", "en-gb-x-gbcwmd+f1",
)
OTHER_VOICE_RATES = (150, 180)
CONFUSABLES = (
    "hey nora", "nova scotia", "hey noah", "hey over", "bossa nova", "a nova",
    "hey novak", "hey mona", "casanova", "hey no",
)
#: Speakers of the negative speech: every other voice plus the enrolled one.
NEGATIVE_VOICES = OTHER_VOICES + (ENROLL_VOICE, "en-us+m1", "en-gb+m2", "en-us+f1", "en-029+f2")
NEGATIVE_RATE_RANGE = (140, 200)
NEGATIVE_PITCH_RANGE = (30, 70)
ESPEAK_DEFAULT_PITCH = 50

# --- noise conditions (type, SNR dB); None SNR means clean ------------------------------
POSITIVE_CONDITIONS = (("none", None), ("white", 20), ("pink", 10), ("babble", 5))
OTHER_VOICE_CONDITIONS = (("none", None), ("babble", 10))
CONFUSABLE_VOICES = (ENROLL_VOICE, "en-gb+f2", "en-us+f4", "en-029+m4")
NEGATIVE_NOISE = ("pink", 30)
STREAM_NOISE = ("pink", 20)
BABBLE_TALKERS = 5
BABBLE_RATE = 170

# --- levels and layout -----------------------------------------------------------------
SPEECH_RMS_DBFS = -20.0         # active speech normalized to this RMS
FULL_SCALE = 32767.0
CLIP_PAD_SECONDS = 0.5          # silence before and after a keyword/confusable clip
FRAME_SECONDS = 0.01            # frame for the speech-activity trim
ACTIVITY_DB = -30.0             # a frame is speech if within this of the loudest frame
GAP_RANGE_SECONDS = (0.3, 1.2)  # silence between segments of a stream
NEGATIVE_FILE_SECONDS = 300.0   # negative speech is cut into files of about this length
SENTENCES_PER_PARAGRAPH = 20
SENTENCE_SECONDS_ESTIMATE = 4.0  # to size a batch of paragraphs; more are made if short
SENTENCE_SECONDS_MIN = 1.5      # to make enough filler sentences for a stream
STREAM_SECONDS = 120.0
STREAM_KEYWORD_EVERY_SECONDS = (12.0, 25.0)
STREAM_FILES = 2

# --- small (test) and sample (shipped) modes ------------------------------------------
SMALL_NEGATIVE_SECONDS = 8.0
SMALL_STREAM_SECONDS = 12.0
SAMPLE_STREAM_KEYWORDS = ((165, 52), (150, 47), (178, 50), (158, 56))  # near the enrollment
SAMPLE_STREAM_SECONDS = (20.0, 30.0)
SAMPLE_NOISE = ("pink", 25)

# --- sentence generator (no word close to the keyword) ---------------------------------
_SUBJECTS = ("the farmer", "my neighbour", "a small child", "the old teacher", "our doctor", "the driver",
             "my sister", "the baker", "a tall man", "the children", "her brother", "the captain",
             "this company", "the village", "a young woman", "the musicians", "your uncle", "the pilot")
_VERBS = ("carried", "painted", "found", "bought", "watched", "repaired", "opened", "described",
          "cooked", "sold", "counted", "followed", "cleaned", "moved", "measured", "borrowed", "lost")
_OBJECTS = ("a wooden chair", "the red bicycle", "three baskets of apples", "an old map", "the garden gate",
            "a bright lamp", "the kitchen window", "several letters", "the silver kettle", "a heavy box",
            "the morning paper", "two loaves of bread", "the broken clock", "a pair of boots", "the blue boat")
_PLACES = ("near the river", "after lunch", "in the market", "before the storm", "at the station",
           "behind the library", "on a cold morning", "during the holiday", "under the bridge",
           "next to the school", "in the evening", "at the harbour", "by the old mill", "on the hill")
_OPENERS = ("", "", "", "yesterday ", "last week ", "I think ", "as usual ", "once again ", "apparently ")
_QUESTIONS = ("did you see the weather today", "what time does the shop close", "where did I put my keys",
              "could you turn the music down", "how long will the train take", "is there any coffee left",
              "who is coming to dinner tonight", "why is the door open")


def make_sentence(rng: np.random.Generator) -> str:
    """One random English sentence from the word lists."""
    if rng.random() < 0.15:
        return str(rng.choice(_QUESTIONS)) + "?"
    s = f"{rng.choice(_OPENERS)}{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} {rng.choice(_PLACES)}"
    return s[0].upper() + s[1:] + "."


def make_paragraph(rng: np.random.Generator, sentences: int) -> str:
    return " ".join(make_sentence(rng) for _ in range(sentences))


# --- synthesis ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Utterance:
    """What to synthesize: text by an espeak-ng voice at a rate (wpm) and pitch (0-99)."""

    text: str
    voice: str
    rate: int
    pitch: int


def synthesize(u: Utterance, tmpdir: str) -> np.ndarray:
    """Run espeak-ng, then sox to 16 kHz mono int16 (repeatable mode, no dither)."""
    fd, raw = tempfile.mkstemp(suffix=".wav", dir=tmpdir)
    os.close(fd)
    out = raw[:-4] + "_16k.wav"
    try:
        subprocess.run(["espeak-ng", "-v", u.voice, "-s", str(u.rate), "-p", str(u.pitch), "-w", raw, u.text],
                       check=True, capture_output=True)
        subprocess.run(["sox", "-R", "-D", raw, "-r", str(SAMPLE_RATE), "-b", "16", "-c", "1", out],
                       check=True, capture_output=True)
        pcm, rate = read_wav(out)
    finally:
        for p in (raw, out):
            if os.path.exists(p):
                os.remove(p)
    if rate != SAMPLE_RATE:
        raise RuntimeError(f"sox wrote {rate} Hz instead of {SAMPLE_RATE}")
    return pcm


def synthesize_all(utterances: list[Utterance], jobs: int) -> list[np.ndarray]:
    """Synthesize in parallel (``jobs`` espeak-ng/sox pipelines); same order as the input."""
    with tempfile.TemporaryDirectory(prefix="wakeword_corpus_") as tmpdir:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            return list(pool.map(lambda u: synthesize(u, tmpdir), utterances))


# --- signal helpers ----------------------------------------------------------------------
def active_span(pcm: np.ndarray) -> tuple[int, int]:
    """First and one-past-last sample of the speech (frames within ACTIVITY_DB of the loudest)."""
    frame = int(FRAME_SECONDS * SAMPLE_RATE)
    n = pcm.size // frame
    if n == 0:
        return 0, pcm.size
    x = pcm[: n * frame].astype(np.float64).reshape(n, frame)
    rms = np.sqrt((x ** 2).mean(axis=1))
    if rms.max() == 0:
        return 0, 0
    on = np.flatnonzero(rms >= rms.max() * 10 ** (ACTIVITY_DB / 20))
    return int(on[0] * frame), int((on[-1] + 1) * frame)


def normalize_speech(pcm: np.ndarray) -> np.ndarray:
    """Trim to the active span and scale its RMS to SPEECH_RMS_DBFS; float64 in int16 units."""
    a, b = active_span(pcm)
    x = pcm[a:b].astype(np.float64)
    rms = np.sqrt((x ** 2).mean()) if x.size else 0.0
    if rms == 0:
        return x
    return x * (FULL_SCALE * 10 ** (SPEECH_RMS_DBFS / 20) / rms)


def pink_noise(rng: np.random.Generator, n: int) -> np.ndarray:
    """Unit-RMS 1/f noise by spectral shaping of white noise."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.arange(spec.size, dtype=np.float64)
    f[0] = 1.0
    x = np.fft.irfft(spec / np.sqrt(f), n)
    return x / np.sqrt((x ** 2).mean())


def babble_noise(rng: np.random.Generator, n: int, pool: np.ndarray) -> np.ndarray:
    """Unit-RMS sum of BABBLE_TALKERS random stretches of the babble speech pool."""
    reps = int(np.ceil((n + 1) / pool.size)) + 1
    looped = np.tile(pool, reps)
    x = np.zeros(n)
    for _ in range(BABBLE_TALKERS):
        start = int(rng.integers(0, pool.size))
        x += looped[start:start + n]
    rms = np.sqrt((x ** 2).mean())
    return x / rms if rms > 0 else x


def make_noise(kind: str, rng: np.random.Generator, n: int, pool: np.ndarray) -> np.ndarray:
    if kind == "white":
        return rng.standard_normal(n)
    if kind == "pink":
        return pink_noise(rng, n)
    if kind == "babble":
        return babble_noise(rng, n, pool)
    raise ValueError(f"unknown noise {kind!r}")


def add_noise(x: np.ndarray, kind: str, snr: float | None, rng: np.random.Generator, pool: np.ndarray) -> np.ndarray:
    """Add unit noise scaled so that speech RMS (SPEECH_RMS_DBFS) / noise RMS = snr dB."""
    if kind == "none" or snr is None:
        return x
    speech_rms = FULL_SCALE * 10 ** (SPEECH_RMS_DBFS / 20)
    return x + make_noise(kind, rng, x.size, pool) * speech_rms / 10 ** (snr / 20)


def to_pcm(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x), -32768, 32767).astype(np.int16)


def pad_clip(speech: np.ndarray) -> tuple[np.ndarray, list[list[float]]]:
    pad = np.zeros(int(CLIP_PAD_SECONDS * SAMPLE_RATE))
    x = np.concatenate([pad, speech, pad])
    return x, [[round(pad.size / SAMPLE_RATE, 4), round((pad.size + speech.size) / SAMPLE_RATE, 4)]]


def assemble(segments: list[tuple[np.ndarray, bool]], rng: np.random.Generator) -> tuple[np.ndarray, list[list[float]]]:
    """Concatenate normalized segments with random gaps; return audio and keyword spans."""
    parts, times, pos = [], [], 0
    for speech, is_keyword in segments:
        gap = int(rng.uniform(*GAP_RANGE_SECONDS) * SAMPLE_RATE)
        parts.append(np.zeros(gap))
        pos += gap
        if is_keyword:
            times.append([round(pos / SAMPLE_RATE, 4), round((pos + speech.size) / SAMPLE_RATE, 4)])
        parts.append(speech)
        pos += speech.size
    parts.append(np.zeros(int(GAP_RANGE_SECONDS[0] * SAMPLE_RATE)))
    return np.concatenate(parts), times


# --- the corpus ----------------------------------------------------------------------------
class Writer:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.entries: list[dict] = []

    def add(self, rel: str, x: np.ndarray, *, kind: str, speaker: str, rate, pitch, noise: str, snr,
            text: str, keyword_times: list[list[float]]) -> None:
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        pcm = to_pcm(x)
        write_wav(path, pcm, SAMPLE_RATE)
        self.entries.append(dict(file=rel, kind=kind, speaker=speaker, rate=rate, pitch=pitch, noise=noise,
                                 snr=snr, text=text, duration=round(pcm.size / SAMPLE_RATE, 4),
                                 keyword_times=keyword_times))


def tool_versions() -> dict:
    def first_line(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True).stdout.strip().splitlines()[0]
        except (OSError, IndexError):
            return "unknown"
    return {"espeak-ng": first_line(["espeak-ng", "--version"]), "sox": first_line(["sox", "--version"])}


def negative_paragraphs(rng: np.random.Generator, count: int, sentences: int) -> list[Utterance]:
    out = []
    for _ in range(count):
        voice = str(rng.choice(NEGATIVE_VOICES))
        rate = int(rng.integers(NEGATIVE_RATE_RANGE[0], NEGATIVE_RATE_RANGE[1] + 1))
        pitch = int(rng.integers(NEGATIVE_PITCH_RANGE[0], NEGATIVE_PITCH_RANGE[1] + 1))
        out.append(Utterance(make_paragraph(rng, sentences), voice, rate, pitch))
    return out


def build_babble_pool(rng: np.random.Generator, jobs: int, sentences: int) -> np.ndarray:
    talkers = [Utterance(make_paragraph(rng, sentences), v, BABBLE_RATE, ESPEAK_DEFAULT_PITCH)
               for v in OTHER_VOICES[:BABBLE_TALKERS + 1]]
    return np.concatenate([normalize_speech(p) for p in synthesize_all(talkers, jobs)])


def speech_stream(rng: np.random.Generator, jobs: int, seconds: float, keyword_takes: list[tuple[int, int]],
                  keyword: str, sentences: int = 2) -> tuple[list[tuple[np.ndarray, bool]], list[Utterance]]:
    """Segments of short multi-voice speech with keyword takes spread over ``seconds``."""
    fillers = negative_paragraphs(rng, int(seconds / (SENTENCE_SECONDS_MIN * sentences)) + 2, sentences)
    fill_audio = [normalize_speech(p) for p in synthesize_all(fillers, jobs)]
    kw_utts = [Utterance(keyword, ENROLL_VOICE, r, p) for r, p in keyword_takes]
    kw_audio = [normalize_speech(p) for p in synthesize_all(kw_utts, jobs)]
    segments: list[tuple[np.ndarray, bool]] = []
    used: list[Utterance] = []
    total, next_kw = 0.0, 0
    last_was_keyword = False
    slots = np.linspace(0, seconds, len(kw_audio) + 2)[1:-1]
    fi = 0
    while total < seconds and fi < len(fill_audio):
        if next_kw < len(kw_audio) and total >= slots[next_kw] and not last_was_keyword:
            last_was_keyword = True
            segments.append((kw_audio[next_kw], True))
            used.append(kw_utts[next_kw])
            total += kw_audio[next_kw].size / SAMPLE_RATE + np.mean(GAP_RANGE_SECONDS)
            next_kw += 1
            continue
        last_was_keyword = False
        seg = fill_audio[fi]
        max_len = int(max(1.0, seconds - total) * SAMPLE_RATE)
        segments.append((seg[:max_len], False))
        used.append(fillers[fi])
        total += min(seg.size, max_len) / SAMPLE_RATE + np.mean(GAP_RANGE_SECONDS)
        fi += 1
    while next_kw < len(kw_audio):  # keywords not placed yet go at the end
        segments.append((kw_audio[next_kw], True))
        used.append(kw_utts[next_kw])
        next_kw += 1
    if segments and segments[-1][1] and fi < len(fill_audio):  # end on speech, not on a keyword
        segments.append((fill_audio[fi], False))
        used.append(fillers[fi])
    return segments, used


def generate(out: Path, seed: int = 0, small: bool = False, negative_minutes: float = 30.0, jobs: int = 2,
             keyword: str = KEYWORD) -> dict:
    """Write the corpus under ``out``; return the manifest (also written as manifest.json)."""
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    w = Writer(out)
    pool = build_babble_pool(rng, jobs, 2 if small else 8)

    # enrollment
    enroll_utts = [Utterance(keyword, ENROLL_VOICE, r, p) for r, p in ENROLL_TAKES]
    for i, (u, pcm) in enumerate(zip(enroll_utts, synthesize_all(enroll_utts, jobs))):
        x, t = pad_clip(normalize_speech(pcm))
        w.add(f"enroll/enroll_{i:02d}.wav", x, kind="enroll", speaker=u.voice, rate=u.rate, pitch=u.pitch,
              noise="none", snr=None, text=u.text, keyword_times=t)

    # clips: positives, other voices, confusables
    clips: list[tuple[str, Utterance, str, float | None]] = []
    for r in POSITIVE_RATES[:2] if small else POSITIVE_RATES:
        for p in POSITIVE_PITCHES[:1] if small else POSITIVE_PITCHES:
            for noise, snr in POSITIVE_CONDITIONS[:1] if small else POSITIVE_CONDITIONS:
                clips.append(("positive", Utterance(keyword, ENROLL_VOICE, r, p), noise, snr))
    for v in OTHER_VOICES[:2] if small else OTHER_VOICES:
        for r in OTHER_VOICE_RATES[:1] if small else OTHER_VOICE_RATES:
            for noise, snr in OTHER_VOICE_CONDITIONS[1:] if small else OTHER_VOICE_CONDITIONS:
                clips.append(("other_voice", Utterance(keyword, v, r, ESPEAK_DEFAULT_PITCH), noise, snr))
    for phrase in CONFUSABLES[:2] if small else CONFUSABLES:
        for v in CONFUSABLE_VOICES[:1] if small else CONFUSABLE_VOICES:
            clips.append(("confusable", Utterance(phrase, v, ENROLL_TAKES[0][0], ESPEAK_DEFAULT_PITCH), "none", None))
    audio = synthesize_all([c[1] for c in clips], jobs)
    counters: dict[str, int] = {}
    for (kind, u, noise, snr), pcm in zip(clips, audio):
        x, t = pad_clip(normalize_speech(pcm))
        x = add_noise(x, noise, snr, rng, pool)
        i = counters[kind] = counters.get(kind, -1) + 1
        w.add(f"{kind}/{kind}_{i:03d}.wav", x, kind=kind, speaker=u.voice, rate=u.rate, pitch=u.pitch,
              noise=noise, snr=snr, text=u.text, keyword_times=t if kind != "confusable" else [])

    # negatives: at least negative_minutes of multi-voice speech, in files of ~5 minutes
    target = SMALL_NEGATIVE_SECONDS if small else negative_minutes * 60.0
    sentences = 2 if small else SENTENCES_PER_PARAGRAPH
    paragraphs: list[tuple[Utterance, np.ndarray]] = []
    total = 0.0
    while total < target:
        est = max(1, int(np.ceil((target - total) / (SENTENCE_SECONDS_ESTIMATE * sentences))) + 1)
        batch = negative_paragraphs(rng, est, sentences)
        for u, pcm in zip(batch, synthesize_all(batch, jobs)):
            if total >= target:
                break
            s = normalize_speech(pcm)
            paragraphs.append((u, s))
            total += s.size / SAMPLE_RATE
    file_seconds = NEGATIVE_FILE_SECONDS if not small else target
    groups: list[list[tuple[Utterance, np.ndarray]]] = [[]]
    acc = 0.0
    for u, s in paragraphs:
        if acc >= file_seconds and groups[-1]:
            groups.append([])
            acc = 0.0
        groups[-1].append((u, s))
        acc += s.size / SAMPLE_RATE
    for i, group in enumerate(groups):
        x, _ = assemble([(s, False) for _, s in group], rng)
        x = add_noise(x, *NEGATIVE_NOISE, rng, pool)
        w.add(f"negative/negative_{i:02d}.wav", x, kind="negative",
              speaker=",".join(sorted({u.voice for u, _ in group})), rate=None, pitch=None,
              noise=NEGATIVE_NOISE[0], snr=NEGATIVE_NOISE[1], text=" ".join(u.text for u, _ in group),
              keyword_times=[])

    # streams: other speech with the keyword (enrolled voice, varied) at known times
    n_streams = 1 if small else STREAM_FILES
    seconds = SMALL_STREAM_SECONDS if small else STREAM_SECONDS
    for i in range(n_streams):
        n_kw = max(1, int(seconds / np.mean(STREAM_KEYWORD_EVERY_SECONDS)))
        takes = [(int(rng.integers(POSITIVE_RATES[0], POSITIVE_RATES[-1] + 1)),
                  int(rng.integers(POSITIVE_PITCHES[0], POSITIVE_PITCHES[-1] + 1))) for _ in range(n_kw)]
        segments, used = speech_stream(rng, jobs, seconds, takes, keyword)
        x, times = assemble(segments, rng)
        x = add_noise(x, *STREAM_NOISE, rng, pool)
        w.add(f"stream/stream_{i:02d}.wav", x, kind="stream",
              speaker=",".join(sorted({u.voice for u in used})), rate=None, pitch=None,
              noise=STREAM_NOISE[0], snr=STREAM_NOISE[1], text=" | ".join(u.text for u in used),
              keyword_times=times)

    manifest = dict(generator="bench/wakeword_corpus.py", seed=seed, small=small, keyword=keyword,
                    sample_rate=SAMPLE_RATE, enroll_speaker=ENROLL_VOICE, tools=tool_versions(),
                    files=w.entries)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def generate_sample(out: Path, seed: int = 0, jobs: int = 2, keyword: str = KEYWORD) -> dict:
    """The small shipped sample: 3 enrollment clips and a 20-30 s test stream with 4 keywords."""
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    w = Writer(out)
    pool = np.zeros(1)  # no babble in the sample
    enroll_utts = [Utterance(keyword, ENROLL_VOICE, r, p) for r, p in ENROLL_TAKES]
    for i, (u, pcm) in enumerate(zip(enroll_utts, synthesize_all(enroll_utts, jobs))):
        x, t = pad_clip(normalize_speech(pcm))
        w.add(f"enroll_{i + 1}.wav", x, kind="enroll", speaker=u.voice, rate=u.rate, pitch=u.pitch,
              noise="none", snr=None, text=u.text, keyword_times=t)
    for attempt in range(20):
        segments, used = speech_stream(rng, jobs, SAMPLE_STREAM_SECONDS[0] + 2.0, list(SAMPLE_STREAM_KEYWORDS),
                                       keyword, sentences=1)
        x, times = assemble(segments, rng)
        if SAMPLE_STREAM_SECONDS[0] <= x.size / SAMPLE_RATE <= SAMPLE_STREAM_SECONDS[1]:
            break
    else:
        raise RuntimeError("could not fit the sample stream into 20-30 s")
    x = add_noise(x, *SAMPLE_NOISE, rng, pool)
    w.add("test_stream.wav", x, kind="stream", speaker=",".join(sorted({u.voice for u in used})), rate=None,
          pitch=None, noise=SAMPLE_NOISE[0], snr=SAMPLE_NOISE[1], text=" | ".join(u.text for u in used),
          keyword_times=times)
    takes = [dict(voice=u.voice, rate=u.rate, pitch=u.pitch) for u in used if u.text == keyword]
    manifest = dict(generator="bench/wakeword_corpus.py --sample", seed=seed, keyword=keyword,
                    sample_rate=SAMPLE_RATE, enroll_speaker=ENROLL_VOICE, stream_keyword_takes=takes,
                    tools=tool_versions(), files=w.entries)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=None, help=f"output directory (default {DEFAULT_OUT})")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--small", action="store_true", help="a few seconds of audio (tests)")
    ap.add_argument("--negative-minutes", type=float, default=30.0)
    ap.add_argument("--jobs", type=int, default=2, help="parallel espeak-ng/sox pipelines")
    ap.add_argument("--keyword", default=KEYWORD)
    ap.add_argument("--sample", type=Path, default=None, metavar="DIR",
                    help="write only the small shipped sample (3 enrollments + a test stream) to DIR")
    args = ap.parse_args(argv)
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            print(f"wakeword_corpus: {tool} is not installed; run scripts/setup-system", file=sys.stderr)
            return 2
    if args.sample is not None:
        m = generate_sample(args.sample, args.seed, args.jobs, args.keyword)
        out = args.sample
    else:
        out = args.out or DEFAULT_OUT
        m = generate(out, args.seed, args.small, args.negative_minutes, args.jobs, args.keyword)
    by_kind: dict[str, list[float]] = {}
    for e in m["files"]:
        by_kind.setdefault(e["kind"], []).append(e["duration"])
    for kind, d in by_kind.items():
        print(f"{kind:12s} {len(d):4d} files {sum(d) / 60:7.2f} min")
    print(f"manifest: {out / 'manifest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
