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

from ...cli_common import Output, Schema, add_output_options

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

_NUMBER_OR_NULL = {"type": ["number", "null"]}
#: ``listen --json``: one record per detection, as it happens.
DETECTION = Schema("wakeword.detection", 1, {
    "file": {"type": ["string", "null"], "description": "the file listened to ('-': stdin; null: the microphone)"},
    "time": {"type": "number", "description": "end of the detected window, seconds from the file's start"},
    "start": {"type": "number"}, "label": {"type": "string"}, "score": {"type": "number"},
    "margin": _NUMBER_OR_NULL, "entry_id": {"type": "integer"},
    "entry_source": {"type": "string", "description": "the entry that fired: 'enrolled' or 'pseudo' (self-learned)"},
}, required=["file", "time", "label", "score", "entry_id", "entry_source"],
    description="a wake-word detection (listen)")
#: ``listen --json``: one record per file at its end.
LISTENED = Schema("wakeword.listened", 1, {
    "file": {"type": ["string", "null"]}, "seconds": {"type": "number"}, "detections": {"type": "integer"},
    "learned": {"type": "integer", "description": "entries self-learned while listening to it"},
}, required=["file", "seconds", "detections"], description="the end of one file (listen)")
#: ``listen --json`` and ``list --json``: a self-learning decision or a user action.
LEARNING = Schema("wakeword.learning", 1, {
    "label": {"type": "string"}, "stream_time": {"type": "number"}, "score": {"type": "number"},
    "accepted": {"type": "boolean"}, "entry_id": {"type": ["integer", "null"]}, "reason": {"type": "string"},
    "kind": {"type": "string", "description": "'near_miss' (self-learning) or 'user'"},
}, required=["label", "accepted", "reason", "kind"], description="a learning decision with its reason")
#: ``list --json``: one record per entry, then one for the state.
ENTRY = Schema("wakeword.entry", 1, {
    "label": {"type": "string"}, "id": {"type": "integer"},
    "source": {"type": "string", "description": "'enrolled', 'shifted' (verifier positive) or 'pseudo'"},
    "time": {"type": "number"}, "hits": {"type": "integer"},
}, required=["label", "id", "source"], description="an entry of the enrollment index (list)")
STATUS = Schema("wakeword.status", 1, {
    "state": {"type": "string"}, "labels": {"type": "array", "items": {"type": "string"}},
    "background_frames": {"type": "number"}, "verifier_negatives": {"type": "number"},
    "verifier_active": {"type": "boolean"}, "hard_negatives": {"type": "integer"},
    "unconfirmed_negatives": {"type": "integer"}, "pseudo_used": {"type": "integer"},
    "pseudo_total": {"type": "integer"},
}, required=["state", "labels"], description="what a wake-word state holds (list)")


class Progress:
    """Progress over an absolute position (seconds of audio, clips) on :func:`cli_common.progress`.

    A tqdm bar on stderr when it is a terminal and notes are on; otherwise nothing is written,
    so pipes and logs get no ``\\r`` or escape codes.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO(); p = Progress("listen", 10.0, stream=out)
    >>> p.update(5.0); p.done(); out.getvalue()
    ''
    """

    def __init__(self, label: str, total: float, unit: str = "s", stream: Any = None) -> None:
        from ...cli_common import progress

        self._bar = progress(total=total, desc=label, unit=unit, stream=stream)
        self._at = 0.0

    def update(self, done: float, force: bool = False) -> None:
        """Move the bar to ``done`` (``force`` is kept for callers; tqdm rate-limits itself)."""
        if done > self._at:
            self._bar.update(done - self._at)
            self._at = done

    def clear(self) -> None:
        """Take the bar off the line before other output is printed."""
        clear = getattr(self._bar, "clear", None)
        if clear is not None:
            clear()

    def done(self) -> None:
        """Finish and remove the bar."""
        self._bar.close()


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
        config["adapt_background"] = False
    return config


class _ReadOnly:
    """An existing state read once and never written (``listen --no-learn``): the file,
    its lock and its mtime are left as they were, whatever the command does in memory."""

    def __init__(self, path: str, **config: Any) -> None:
        from .app import WakeWord

        self.path = path
        self.app = WakeWord(**config)

    def __enter__(self):
        from ...errors import StateMismatchError
        from ...state.persist import COMPONENT_KEY
        from ...state.store import FileStore

        store = FileStore(self.path, lock="write")   # the lock only if it writes: it never does
        try:
            state = store.load()
        finally:
            store.close()
        if state is None:
            from ...errors import InputError

            raise InputError(f"{self.path} holds no state; enroll a wake word first or pass --state")
        state = dict(state)
        saved_as = state.pop(COMPONENT_KEY, None)
        if saved_as not in (None, type(self.app).__name__):
            raise StateMismatchError(f"{self.path}: holds the state of a {saved_as}, not of a wake-word detector")
        self.app.load_state_dict(state)
        return self.app

    def __exit__(self, kind, value, tb) -> None:
        pass


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


def _entry_source(ww: Any, entry_id: int) -> str:
    try:
        return str(ww.index.source_of(int(entry_id)))
    except Exception:   # the entry was dropped since (e.g. by a rejection)
        return "unknown"


def _print_detection(det: Any, prefix: str = "", out: Output | None = None, ww: Any = None,
                     file: str | None = None) -> None:
    source = _entry_source(ww, det.entry_id) if ww is not None else "unknown"
    text = (f"{prefix}{det.time:8.2f} s  {det.label}  score {det.score:.3f}  entry {det.entry_id}"
            + (" (self-learned)" if source == "pseudo" else ""))
    if out is None:
        print(text, flush=True)
        return
    out.emit(DETECTION.record(file=file, time=det.time, start=det.start, label=det.label, score=det.score,
                              margin=det.margin, entry_id=det.entry_id, entry_source=source), text=text)
    out.stream.flush()


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


def _listen_chunks(ww: Any, chunks: Iterable[Any], progress: Progress | None, prefix: str = "",
                   out: Output | None = None, file: str | None = None) -> list:
    from ...embed.speech import SAMPLE_RATE

    detections = []
    seen = 0
    for chunk in chunks:
        for det in ww.process(chunk):
            if progress is not None:
                progress.clear()
            _print_detection(det, prefix, out, ww, file)
            detections.append(det)
        seen += len(chunk)
        if progress is not None:
            progress.update(seen / SAMPLE_RATE)
    if progress is not None:
        progress.done()
    return detections


def _learning_record(event: Any) -> dict:
    return LEARNING.record(label=event.label, stream_time=event.stream_time, score=event.score,
                           accepted=event.accepted, entry_id=event.entry_id, reason=event.reason, kind=event.kind)


def _report_learning(ww: Any, since: int = 0, out: Output | None = None) -> int:
    """Print the self-learning decisions after the first ``since``; return how many were accepted."""
    events = ww.near_miss_log[since:]
    for event in events:
        verb = "learned" if event.accepted else "declined"
        text = (f"{verb} a near miss of {event.label!r} at {event.stream_time:.2f} s (score {event.score:.3f}): "
                f"{event.reason}" + (f"; entry {event.entry_id}" if event.entry_id is not None else ""))
        if out is None:
            print(text)
        else:
            out.emit(_learning_record(event), text=text)
    return sum(1 for e in events if e.accepted)


def _listen(args: argparse.Namespace) -> int:
    from ...embed.speech import EMBEDDING_HOP_SAMPLES, SAMPLE_RATE
    from ...errors import InputError

    files = list(args.files)
    if args.mic == bool(files):
        raise InputError("give audio files (or '-' for stdin) or --mic, not both and not neither")
    if files.count("-") > 1:
        raise InputError("'-' (stdin) can be listened to once per command")
    out = Output.from_args(args)
    if not args.no_learn:
        opened = _open(args)
    else:  # read-only: nothing is learned and nothing is written
        if not os.path.exists(args.state):
            raise InputError(f"{args.state} does not exist; enroll a wake word first "
                             "('edgeadapt wakeword enroll NAME FILE...') or pass --state")
        opened = _ReadOnly(args.state, **_config(args))
    with opened as ww:
        if not ww.labels:
            raise InputError(f"{args.state} has nothing enrolled; run 'edgeadapt wakeword enroll NAME FILE...' first")
        if args.mic:
            from ...sources.microphone import MicrophoneSource

            print(f"listening for {', '.join(ww.labels)} (Ctrl-C to stop)", file=sys.stderr)
            seen = len(ww.near_miss_log)
            try:
                with MicrophoneSource(SAMPLE_RATE, EMBEDDING_HOP_SAMPLES, args.device) as mic:
                    _listen_chunks(ww, mic, None, out=out)
            except KeyboardInterrupt:
                pass
            _report_learning(ww, seen, out)
            return 0
        from ...sources.audiofile import read_audio

        for name in files:
            pcm, _ = read_audio(name, rate=SAMPLE_RATE)   # any format, rate and channels; '-' is stdin
            seen = len(ww.near_miss_log)
            total = pcm.size / SAMPLE_RATE
            ww.reset_stream()   # each file is its own recording, scored from its first sample
            chunks = (pcm[i:i + EMBEDDING_HOP_SAMPLES] for i in range(0, pcm.size, EMBEDDING_HOP_SAMPLES))
            show = None if out.json_mode else Progress(f"listen {name}", total)
            dets = _listen_chunks(ww, chunks, show, out=out, file=name)
            for det in ww.end_stream():  # the last second of the file, padded as enrollment pads
                _print_detection(det, "", out, ww, name)
                dets.append(det)
            learned = _report_learning(ww, seen, out)
            out.emit(LISTENED.record(file=name, seconds=total, detections=len(dets), learned=learned),
                     text=f"{name}: {len(dets)} detection(s) in {total:.1f} s of audio")
    return 0


def _list(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone

    out = Output.from_args(args)
    with _open(args, writer=False) as ww:
        entries = ww.entries()
        if out.json_mode:
            for e in entries:
                out.emit(ENTRY.record(label=e.label, id=e.id, source=e.source, time=e.time, hits=e.hits))
            for event in ww.learn_log:
                out.emit(_learning_record(event))
            out.emit(STATUS.record(state=args.state, labels=ww.labels, background_frames=ww.background.count,
                                   verifier_negatives=ww.verifier.negatives.count,
                                   verifier_active=bool(ww.verifier.active), hard_negatives=len(ww.hard_negatives),
                                   unconfirmed_negatives=len(ww.unconfirmed), pseudo_used=ww.rate_limit.count,
                                   pseudo_total=ww.rate_limit.total))
            return 0
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
              f"{len(ww.hard_negatives)}; unconfirmed near misses kept: {len(ww.unconfirmed)}; self-learning used {ww.rate_limit.count} of {ww.rate_limit.total}")
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


def _plot(args: argparse.Namespace) -> int:
    """Read-only, as ``listen --no-learn``: the state is read once and nothing is written."""
    from ...embed.speech import SAMPLE_RATE
    from ...errors import InputError
    from ...sources.audiofile import read_audio
    from .plot import FORMATS, plot_timeline, score_timeline

    if os.path.splitext(args.output)[1].lower() not in FORMATS:
        raise InputError(f"{args.output}: choose an image file ending in {', '.join(FORMATS)}")
    if not os.path.isdir(os.path.dirname(os.path.abspath(args.output))):
        raise InputError(f"{args.output}: its directory does not exist; create it or choose another path")
    if not os.path.exists(args.state):
        raise InputError(f"{args.state} does not exist; enroll a wake word first "
                         "('edgeadapt wakeword enroll NAME FILE...') or pass --state")
    with _ReadOnly(args.state, **_config(args)) as ww:
        if not ww.labels:
            raise InputError(f"{args.state} has nothing enrolled; run 'edgeadapt wakeword enroll NAME FILE...' first")
        pcm, _ = read_audio(args.file, rate=SAMPLE_RATE)
        timeline = score_timeline(ww, pcm)
    plot_timeline(timeline, args.output, title=f"{args.file}: {', '.join(sorted(timeline['scores']))}")
    print(f"wrote {args.output} ({timeline['seconds']:.1f} s of audio, {len(timeline['detections'])} detection(s))")
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
    add_output_options(p, json=False)
    p.set_defaults(func=_enroll)

    p = sub.add_parser("reject", help="the last detection was wrong: keep it as a hard negative, undo what it taught")
    common(p)
    add_output_options(p, json=False)
    p.set_defaults(func=_reject)

    p = sub.add_parser("listen", help="detect enrolled wake words in audio files or from the microphone")
    p.add_argument("files", nargs="*", metavar="FILE",
                   help="audio files (WAV, FLAC, OGG; any rate and channels), each its own recording; '-' is stdin")
    p.add_argument("--mic", action="store_true", help="listen to the microphone until Ctrl-C")
    p.add_argument("--device", default=None, help="input device (index or name) for --mic")
    p.add_argument("--threshold", type=float, default=None, help="detection threshold (cosine similarity)")
    p.add_argument("--no-learn", action="store_true",
                   help="read-only: learn nothing (no near misses, no background) and write nothing to the state")
    common(p)
    add_output_options(p)
    p.set_defaults(func=_listen)

    p = sub.add_parser("list", help="list enrolled names, pseudo-labelled entries, hard negatives and the learning log")
    common(p)
    add_output_options(p)
    p.set_defaults(func=_list)

    p = sub.add_parser("forget", help="forget a name, drop entries, or drop pseudo-labelled entries")
    p.add_argument("name", nargs="?", help="the name to forget (with --pseudo: only its pseudo entries)")
    p.add_argument("--entry", type=int, nargs="+", help="entry ids to drop (see 'list')")
    p.add_argument("--pseudo", action="store_true", help="drop pseudo-labelled entries only")
    common(p)
    add_output_options(p, json=False)
    p.set_defaults(func=_forget)

    p = sub.add_parser("plot", help="draw each label's score over time of a file, the threshold and the detections "
                                    "(plot extra)")
    p.add_argument("file", metavar="FILE", help="an audio file (WAV, FLAC, OGG; any rate and channels), or '-'")
    p.add_argument("--output", "-o", required=True, help="image file to write (.png, .svg, .pdf)")
    p.add_argument("--threshold", type=float, default=None, help="detection threshold (cosine similarity)")
    common(p)
    add_output_options(p, json=False)
    p.set_defaults(func=_plot, no_learn=True)

    p = sub.add_parser("demo", help="enroll from the shipped sample clips and listen to the shipped test stream")
    p.add_argument("--data", default=os.fspath(DEMO_DIR), help="sample directory with manifest.json")
    p.add_argument("--threshold", type=float, default=None, help="detection threshold (cosine similarity)")
    p.add_argument("--state", default=None,
                   help=f"the demo's state file (default ./{DEMO_STATE_DIR}/{DEFAULT_STATE}, never the user's)")
    add_output_options(p, json=False)
    p.set_defaults(func=_demo)
