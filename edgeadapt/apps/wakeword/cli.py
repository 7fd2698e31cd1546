"""``edgeadapt wakeword enroll | listen | reject | list | forget | demo``.

Every command opens the state file once and does all its reading and writing through
that one handle. Only commands that learn create a state file, and only once they
succeeded (``enroll`` on a new path enrolls in memory first); the others refuse a
missing file. ``demo`` keeps its own state in its own directory.

Examples
--------
>>> import argparse
>>> parser = argparse.ArgumentParser(); register(parser.add_subparsers())
>>> args = parser.parse_args(["wakeword", "enroll", "alice", "a.wav", "b.wav", "c.wav"])
>>> args.name, args.files, args.state
('alice', ['a.wav', 'b.wav', 'c.wav'], 'edgeadapt-wakeword.ea')
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Iterable

#: State file used when --state is not given.
DEFAULT_STATE = "edgeadapt-wakeword.ea"
#: The demo's own state (never the user's): this directory, then DEFAULT_STATE in it.
DEMO_STATE_DIR = "edgeadapt-wakeword-demo"
#: Seconds recorded per utterance with --mic.
MIC_UTTERANCE_SECONDS = 2.0
#: Shipped sample audio of the demo (relative to the edgeadapt package).
DEMO_DIR = Path(__file__).resolve().parents[2] / "data" / "wakeword"
#: A detection matches a true keyword if it ends within [onset, offset + this] seconds.
DEMO_TOLERANCE_SECONDS = 1.2
#: Learning-log events `list` shows (the newest).
LIST_LOG_EVENTS = 10
#: Progress is redrawn at most this often (seconds).
_PROGRESS_EVERY = 0.25


class Progress:
    """A one-line progress display on stderr (``label: 40% (12.0 of 30.0 s)``).

    Examples
    --------
    >>> import io
    >>> out = io.StringIO(); p = Progress("listen", 10.0, stream=out, every=0.0)
    >>> p.update(5.0); p.done(); out.getvalue().strip()
    'listen:  50% (5.0 of 10.0 s)\\rlisten: 100% (10.0 of 10.0 s)'
    """

    def __init__(self, label: str, total: float, unit: str = "s", stream: Any = None,
                 every: float = _PROGRESS_EVERY) -> None:
        self.label = label
        self.total = total
        self.unit = unit
        self.stream = stream if stream is not None else sys.stderr
        self.every = every
        self._last = -float("inf")

    def update(self, done: float, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < self.every:
            return
        self._last = now
        pct = 100.0 * done / self.total if self.total > 0 else 100.0
        self.stream.write(f"\r{self.label}: {pct:3.0f}% ({done:.1f} of {self.total:.1f} {self.unit})")
        self.stream.flush()

    def done(self) -> None:
        self.update(self.total, force=True)
        self.stream.write("\n")
        self.stream.flush()


def _config(args: argparse.Namespace, **config: Any) -> dict:
    import math

    from ...errors import InputError

    threshold = getattr(args, "threshold", None)
    if threshold is not None:
        if not math.isfinite(threshold) or not -1.0 <= threshold <= 1.0:
            raise InputError(f"--threshold must be a number in [-1, 1] (a cosine similarity), got {threshold!r}")
        config["threshold"] = threshold
    if getattr(args, "no_learn", False):
        config["learn"] = False
    return config


def _open(args: argparse.Namespace, writer: bool = True, **config: Any):
    """Open an existing state file (refusing a missing one).

    A writer holds the file's lock for the whole command (a second writer waits, then works
    on its result, or fails naming the holder's PID); a reader takes the lock only if it
    ever writes, which it does not.
    """
    from ...errors import InputError
    from .app import WakeWord

    if not os.path.exists(args.state):
        raise InputError(f"{args.state} does not exist; enroll a wake word first "
                         "('edgeadapt wakeword enroll NAME FILE...') or pass --state")
    return WakeWord.open(args.state, lock="open" if writer else "write", **_config(args, **config))


class _NewState:
    """A state that does not exist yet: hold its lock, work in memory, create the file only
    on success (a failed enroll leaves nothing on disk). If another command created the file
    while this one waited for the lock, work on that state instead."""

    def __init__(self, path: str, **config: Any) -> None:
        from ...state.store import FileStore
        from .app import WakeWord

        self.path = path
        self.app = WakeWord(**config)
        self.store = FileStore(path, lock="open")

    def _tagged(self) -> dict:
        from ...state.persist import COMPONENT_KEY

        return {**self.app.state_dict(), COMPONENT_KEY: type(self.app).__name__}

    def __enter__(self):
        from ...errors import StateMismatchError
        from ...state.persist import COMPONENT_KEY

        self.factory = self._tagged()
        try:
            state = self.store.load()  # takes the lock: a concurrent enroll waits here
        except BaseException:
            self.store.close()
            raise
        self.existed = state is not None
        if state is not None:
            state = dict(state)
            saved_as = state.pop(COMPONENT_KEY, None)
            if saved_as not in (None, type(self.app).__name__):
                self.store.close()
                raise StateMismatchError(f"{self.path}: holds the state of a {saved_as}, not of a wake-word detector; use another file")
            self.app.load_state_dict(state)
        return self.app

    def __exit__(self, kind, value, tb) -> None:
        try:
            if kind is None:
                if not self.existed:
                    self.store.create(self.factory)
                self.store.save(self._tagged())
        finally:
            self.store.close()


def _open_or_create(args: argparse.Namespace, **config: Any):
    if os.path.exists(args.state):
        return _open(args, **config)
    return _NewState(args.state, **_config(args, **config))


def _record(count: int, seconds: float, device: Any) -> list:
    import numpy as np

    from ...embed.speech import SAMPLE_RATE
    from ...sources.microphone import MicrophoneSource

    clips = []
    chunk = int(SAMPLE_RATE * 0.1)
    with MicrophoneSource(SAMPLE_RATE, chunk, device) as mic:
        for i in range(count):
            input(f"utterance {i + 1} of {count}: press Enter, then say the wake word ")
            parts = [mic.read() for _ in range(int(seconds * SAMPLE_RATE / chunk))]
            clips.append(np.concatenate(parts))
    return clips


def _print_detection(det: Any, prefix: str = "") -> None:
    print(f"{prefix}{det.time:8.2f} s  {det.label}  score {det.score:.3f}  entry {det.entry_id}", flush=True)


def _enroll(args: argparse.Namespace) -> int:
    from ...errors import InputError

    if args.mic == bool(args.files):
        raise InputError("give either WAV files of the wake word or --mic, not both and not neither")
    clips: list[Any] = _record(args.count, args.seconds, args.device) if args.mic else list(args.files)
    start = time.perf_counter()
    with _open_or_create(args) as ww:
        progress = Progress(f"enroll {args.name}", len(clips), unit="clips")
        ids = ww.enroll(args.name, clips, add=args.add,
                        progress=lambda done, total: progress.update(done, force=True))
        progress.done()
    verb = "added to" if args.add else "enrolled"
    print(f"{verb} {args.name!r} from {len(clips)} utterances ({len(ids)} templates) into {args.state} "
          f"in {time.perf_counter() - start:.2f} s")
    return 0


def _reject(args: argparse.Namespace) -> int:
    with _open(args) as ww:
        print(ww.reject())
    return 0


def _listen_chunks(ww: Any, chunks: Iterable[Any], progress: Progress | None, prefix: str = "") -> list:
    from ...embed.speech import SAMPLE_RATE

    detections = []
    seen = 0
    for chunk in chunks:
        for det in ww.process(chunk):
            if progress is not None:
                sys.stderr.write("\r\x1b[K")
            _print_detection(det, prefix)
            detections.append(det)
        seen += len(chunk)
        if progress is not None:
            progress.update(seen / SAMPLE_RATE)
    if progress is not None:
        progress.done()
    return detections


def _report_learning(ww: Any, since: int = 0) -> None:
    for event in ww.near_miss_log[since:]:
        verb = "learned" if event.accepted else "declined"
        print(f"{verb} a near miss of {event.label!r} at {event.stream_time:.2f} s (score {event.score:.3f}): "
              f"{event.reason}" + (f"; entry {event.entry_id}" if event.entry_id is not None else ""))


def _listen(args: argparse.Namespace) -> int:
    from ...embed.speech import EMBEDDING_HOP_SAMPLES, SAMPLE_RATE
    from ...errors import InputError

    if args.mic == (args.file is not None):
        raise InputError("give either a WAV file or --mic")
    with _open(args) as ww:
        seen = len(ww.near_miss_log)
        if not ww.labels:
            raise InputError(f"{args.state} has nothing enrolled; run 'edgeadapt wakeword enroll NAME FILE...' first")
        if args.mic:
            from ...sources.microphone import MicrophoneSource

            print(f"listening for {', '.join(ww.labels)} (Ctrl-C to stop)", file=sys.stderr)
            try:
                with MicrophoneSource(SAMPLE_RATE, EMBEDDING_HOP_SAMPLES, args.device) as mic:
                    _listen_chunks(ww, mic, None)
            except KeyboardInterrupt:
                pass
        else:
            from ...sources.audio import resample
            from ...sources.wav import read_wav

            pcm, rate = read_wav(args.file)
            if rate != SAMPLE_RATE:
                print(f"note: {args.file} is {rate} Hz; resampled to {SAMPLE_RATE} Hz", file=sys.stderr)
                pcm = resample(pcm, rate, SAMPLE_RATE)
            total = pcm.size / SAMPLE_RATE
            chunks = (pcm[i:i + EMBEDDING_HOP_SAMPLES] for i in range(0, pcm.size, EMBEDDING_HOP_SAMPLES))
            dets = _listen_chunks(ww, chunks, Progress("listen", total))
            for det in ww.end_stream():  # the last second of the file, padded as enrollment pads
                _print_detection(det)
                dets.append(det)
            print(f"{len(dets)} detection(s) in {total:.1f} s of audio")
        _report_learning(ww, seen)
    return 0


def _list(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone

    with _open(args, writer=False) as ww:
        entries = ww.entries()
        if not entries:
            print(f"{args.state}: nothing enrolled")
            return 0
        for label in ww.labels:
            mine = [e for e in entries if e.label == label]
            pseudo = [e for e in mine if e.source == "pseudo"]
            print(f"{label}: {len(mine) - len(pseudo)} enrolled templates, {len(pseudo)} pseudo-labelled")
            for e in pseudo:
                when = datetime.fromtimestamp(e.time, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
                print(f"  pseudo entry {e.id}: added {when}, {e.hits} hits")
        print(f"background: {ww.background.count:.0f} frames; verifier negatives: {ww.verifier.negatives.count:.0f} "
              f"windows ({'active' if ww.verifier.active else 'not yet active'}); hard negatives: "
              f"{len(ww.hard_negatives)}; self-learning used {ww.rate_limit.count} of {ww.rate_limit.total}")
        for event in ww.learn_log[-LIST_LOG_EVENTS:]:
            verb = "accepted" if event.accepted else "declined"
            print(f"  log {event.kind} at {event.stream_time:.1f} s heard: {event.label!r} {verb}: {event.reason}")
    return 0


def _forget(args: argparse.Namespace) -> int:
    from ...errors import InputError

    with _open(args) as ww:
        if args.entry:
            n = ww.drop(args.entry)
            print(f"dropped {n} entr{'y' if n == 1 else 'ies'}")
        elif args.pseudo:
            ids = [e.id for e in ww.pseudo_entries(args.name)]
            n = ww.drop(ids)
            print(f"dropped {n} pseudo-labelled entr{'y' if n == 1 else 'ies'}")
        elif args.name:
            if args.name not in ww.labels:
                raise InputError(f"{args.name!r} is not enrolled in {args.state}; enrolled: {ww.labels}")
            n = ww.forget(args.name)
            print(f"forgot {args.name!r} ({n} entries)")
        else:
            raise InputError("give a NAME, --entry ID..., or --pseudo [NAME]")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from ...embed.speech import EMBEDDING_HOP_SAMPLES
    from ...sources.wav import read_wav
    from .app import WakeWord

    data = Path(args.data)
    manifest_path = data / "manifest.json"
    if not manifest_path.is_file():
        raise FileNotFoundError(f"{manifest_path} is missing: the demo needs the sample audio shipped in "
                                "edgeadapt/data/wakeword (reinstall edgeadapt)")
    manifest = json.loads(manifest_path.read_text())
    name = manifest.get("keyword", "wake word")
    enroll = [data / e["file"] for e in manifest["files"] if e["kind"] == "enroll"]
    stream = next(e for e in manifest["files"] if e["kind"] == "stream")
    state = Path(args.state) if args.state else Path(DEMO_STATE_DIR) / DEFAULT_STATE
    state.parent.mkdir(parents=True, exist_ok=True)
    print(f"1. enroll {name!r} from {len(enroll)} shipped utterances into {state} (the demo's own state)")
    start = time.perf_counter()
    with WakeWord.open(state, **_config(args)) as ww:
        if name in ww.labels:
            ww.forget(name)
        ids = ww.enroll(name, enroll)
        print(f"   {len(ids)} templates, saved durably in {time.perf_counter() - start:.2f} s")
        pcm, _ = read_wav(data / stream["file"])
        truth = stream["keyword_times"]
        print(f"2. listen to {stream['file']} ({pcm.size / 16000:.1f} s, the keyword said {len(truth)} times)")
        ww.reset_stream()
        seen = len(ww.near_miss_log)
        chunks = (pcm[i:i + EMBEDDING_HOP_SAMPLES] for i in range(0, pcm.size, EMBEDDING_HOP_SAMPLES))
        dets = _listen_chunks(ww, chunks, Progress("   listen", pcm.size / 16000), prefix="   detected at")
        for det in ww.end_stream():
            _print_detection(det, "   detected at")
            dets.append(det)
        _report_learning(ww, seen)
    print("3. detections vs. the manifest's true keyword times")
    used = [False] * len(dets)
    hits = 0
    for on, off in truth:
        match = next((j for j, d in enumerate(dets)
                      if not used[j] and on <= d.time <= off + DEMO_TOLERANCE_SECONDS), None)
        if match is None:
            print(f"   keyword {on:6.2f}-{off:6.2f} s: MISSED")
        else:
            used[match] = True
            hits += 1
            d = dets[match]
            print(f"   keyword {on:6.2f}-{off:6.2f} s: detected at {d.time:6.2f} s (score {d.score:.3f})")
    false = [d for d, u in zip(dets, used) if not u]
    for d in false:
        print(f"   false accept at {d.time:6.2f} s (score {d.score:.3f})")
    print(f"   {hits} of {len(truth)} keywords detected, {len(false)} false accept(s)")
    return 0


def register(groups: argparse._SubParsersAction) -> None:
    """Add the ``wakeword`` command group."""
    parser = groups.add_parser("wakeword", help="personal wake words: enroll, listen, reject, list, forget, demo")
    sub = parser.add_subparsers(dest="command", metavar="ACTION", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--state", default=DEFAULT_STATE, help=f"state file (default ./{DEFAULT_STATE})")

    p = sub.add_parser("enroll", help="enroll a user or word from 3+ utterances (WAV files or --mic)")
    p.add_argument("name", help="the user or word")
    p.add_argument("files", nargs="*", help="mono WAV files (any rate), one utterance each")
    p.add_argument("--mic", action="store_true", help="record the utterances from the microphone")
    p.add_argument("--count", type=int, default=3, help="utterances to record with --mic (default 3)")
    p.add_argument("--seconds", type=float, default=MIC_UTTERANCE_SECONDS, help="seconds per recorded utterance")
    p.add_argument("--device", default=None, help="input device (index or name) for --mic")
    p.add_argument("--add", action="store_true",
                   help="add utterances to an enrolled name (one or more; refused if they match a rejected detection)")
    common(p)
    p.set_defaults(func=_enroll)

    p = sub.add_parser("reject", help="the last detection was wrong: keep it as a hard negative, undo what it taught")
    common(p)
    p.set_defaults(func=_reject)

    p = sub.add_parser("listen", help="detect enrolled wake words in a WAV file or from the microphone")
    p.add_argument("file", nargs="?", help="mono WAV file (any rate: resampled to 16 kHz)")
    p.add_argument("--mic", action="store_true", help="listen to the microphone until Ctrl-C")
    p.add_argument("--device", default=None, help="input device (index or name) for --mic")
    p.add_argument("--threshold", type=float, default=None, help="detection threshold (cosine similarity)")
    p.add_argument("--no-learn", action="store_true", help="do not enroll near misses")
    common(p)
    p.set_defaults(func=_listen)

    p = sub.add_parser("list", help="list enrolled names, pseudo-labelled entries, hard negatives and the learning log")
    common(p)
    p.set_defaults(func=_list)

    p = sub.add_parser("forget", help="forget a name, drop entries, or drop pseudo-labelled entries")
    p.add_argument("name", nargs="?", help="the name to forget (with --pseudo: only its pseudo entries)")
    p.add_argument("--entry", type=int, nargs="+", help="entry ids to drop (see 'list')")
    p.add_argument("--pseudo", action="store_true", help="drop pseudo-labelled entries only")
    common(p)
    p.set_defaults(func=_forget)

    p = sub.add_parser("demo", help="enroll from the shipped sample clips and listen to the shipped test stream")
    p.add_argument("--data", default=os.fspath(DEMO_DIR), help="sample directory with manifest.json")
    p.add_argument("--threshold", type=float, default=None, help="detection threshold (cosine similarity)")
    p.add_argument("--state", default=None,
                   help=f"the demo's state file (default ./{DEMO_STATE_DIR}/{DEFAULT_STATE}, never the user's)")
    p.set_defaults(func=_demo)
