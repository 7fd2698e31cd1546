"""``edgeadapt maintenance learn|watch|status|accept|reset|merge``: baselining from the command line.

``learn`` reads an input until the learning period is complete (or the input ends)
and records the position; ``watch`` continues (learning first if needed, then
monitoring) and prints one CSV line per window::

    window,time,phase,score,alert,event
    812,397.312,monitoring,0.21,0,
    813,397.517,monitoring,4.87,1,raised

The score is ``-log10`` of the window's tail probability under the learned normal (3
is one window in a thousand). ``accept`` makes the state of the current alert a new
operating mode (a benign change: another load, a new setpoint) and ends the alert.

Every command opens the state file once, at its start, and writes it only when it
succeeds (``watch`` also writes checkpoints while it runs): a command that fails
leaves the file as it was, or at its last checkpoint.

Examples
--------
>>> import argparse
>>> groups = argparse.ArgumentParser().add_subparsers()
>>> register(groups)
>>> sorted(groups.choices["maintenance"]._subparsers._group_actions[0].choices)
['accept', 'demo', 'learn', 'merge', 'plot', 'reset', 'status', 'watch']
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import warnings
from typing import Any, Iterator, TextIO

from ...cli_common import Output, Schema, add_output_options
from ...sources.defaults import DEFAULT_CHUNK_ROWS

OUTPUT_HEADER = "window,time,phase,score,alert,event"
# --json records (docs/maintenance.md, "JSON output"; 'edgeadapt schema maintenance.window')
WINDOW_SCHEMA = Schema(
    "maintenance.window", 1,
    {
        "window": {"type": "integer", "description": "window number since the state was created (or reset)"},
        "time": {"type": "number", "description": "end of the window: seconds since the input's start (vibration) or its newest timestamp (telemetry)"},
        "phase": {"enum": ["learning", "monitoring"]},
        "score": {"type": ["number", "null"], "description": "-log10 tail probability (0 typical, 3 one window in a thousand); null while learning"},
        "alert": {"type": "boolean", "description": "an alert is active after this window"},
        "event": {"enum": ["", "raised", "cleared", "accepted"]},
        "mode": {"type": "integer", "description": "nearest operating mode (-1 while learning)"},
    },
    required=["window", "time", "phase", "score", "alert", "event", "mode"],
    description="one window scored by 'maintenance watch --json'",
)
STATUS_SCHEMA = Schema(
    "maintenance.status", 1,
    {
        "kind": {"enum": ["vibration", "telemetry"]},
        "channels": {"type": "array", "items": {"type": "string"}},
        "features": {"type": "integer"},
        "phase": {"enum": ["learning", "monitoring"]},
        "still_learning": {"type": "boolean"},
        "learned_windows": {"type": "integer"},
        "learn_windows": {"type": "integer"},
        "windows": {"type": "integer"},
        "alerts": {"type": "integer"},
        "alert_active": {"type": "boolean"},
        "modes": {"type": "integer"},
        "accepted": {"type": "integer"},
        "candidate_windows": {"type": "number"},
        "threshold": {"type": "object", "properties": {"raise": {"type": "number"}, "clear": {"type": "number"},
                                                       "sigmas": {"type": "number"}}},
        "calibration": {"type": "object", "description": "what the threshold rests on: held-out windows, scale factors, standard errors"},
        "levels": {"type": "object", "description": "telemetry levels: effective independent learning windows, and whether each is used"},
        "skipped_windows": {"type": "integer"},
        "time": {"type": "object"},
        "input": {"type": "object", "properties": {"source": {"type": "string"}, "rows": {"type": "integer"}}},
        "state_bytes": {"type": "integer"},
        "baseline_bytes": {"type": "integer"},
    },
    required=["kind", "channels", "phase", "still_learning", "windows", "alerts", "alert_active", "modes", "threshold",
              "calibration", "input", "state_bytes"],
    description="what 'maintenance status --json' reports about a state",
)
DEFAULT_SAVE_EVERY = 20  # chunks between checkpoints of the state
DEFAULT_SAVE_SECONDS = 10.0
# Warnings repeated from a source or the time line are shown this many times at most.
MAX_WARNINGS_SHOWN = 5

# option -> (kind, minimum): validated wherever given, with the option named
_INT_OPTIONS = {
    "chunk_rows": 1,
    "window": 2,
    "hop": 1,
    "learn_windows": 8,
    "min_duration": 1,
    "refractory": 0,
    "adapt_every": 1,
    "accept_after": 0,
    "save_every": 1,
}
_FLOAT_OPTIONS = {  # name: (low, low is allowed)
    "sample_rate": (0.0, False),
    "period": (0.0, False),
    "learn_seconds": (0.0, False),
    "threshold_sigmas": (0.0, False),
    "clear_sigmas": (0.0, True),
    "save_seconds": (0.0, True),
}


def _error(message: str) -> Exception:
    from ...errors import InputError

    return InputError(message)


def _floats(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text[:40]!r}") from None


def _ints(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text[:40]!r}") from None


def check_options(args: argparse.Namespace) -> None:
    """Refuse an out-of-range or non-finite option value, naming the option (exit status 1)."""
    from ...core import checks

    for name, low in _INT_OPTIONS.items():
        value = getattr(args, name, None)
        if value is not None:
            checks.count(value, "", f"--{name.replace('_', '-')}", low)
    for name, (floor, inclusive) in _FLOAT_OPTIONS.items():
        given = getattr(args, name, None)
        if given is not None:
            checks.real(given, "", f"--{name.replace('_', '-')}", floor, open_low=not inclusive)
    bands = getattr(args, "bands", None)
    for b in bands or ():
        checks.real(b, "", "--bands (each edge in Hz)", 0.0)
    for k in getattr(args, "scales", None) or ():
        checks.count(k, "", "--scales (each in rows)")


def _add_config_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--chunk-rows", type=int, default=DEFAULT_CHUNK_ROWS, help="input rows read at a time (latency)")
    g = p.add_argument_group("configuration (only when the state file is created)")
    g.add_argument("--kind", choices=("vibration", "telemetry"), help="input kind (default vibration)")
    g.add_argument("--sample-rate", type=float, help="vibration samples per second (or '# sample_rate=' in the file)")
    g.add_argument("--window", type=int, help="vibration samples per window (default 4096)")
    g.add_argument("--hop", type=int, help="samples between windows (default half a window)")
    g.add_argument("--bands", type=_floats, help="band edges in Hz, e.g. 0,10,100,1000,5000")
    g.add_argument("--scales", type=_ints, help="telemetry scales in rows, e.g. 1,3,12")
    g.add_argument("--period", type=float, help="telemetry seconds between rows (default: from the timestamps)")
    g.add_argument("--learn-seconds", type=float, help="learning period in seconds of input")
    g.add_argument("--learn-windows", type=int, help="learning period in windows")
    g.add_argument("--threshold-sigmas", type=float, help="alert at the tail probability of a Gaussian this many sigmas out (default 3)")
    g.add_argument("--clear-sigmas", type=float, help="an alert clears below this many sigmas (default 2)")
    g.add_argument("--min-duration", type=int, help="windows above threshold before an alert (default 3)")
    g.add_argument("--refractory", type=int, help="windows without new alert after one clears (default 20)")
    g.add_argument("--adapt-every", type=int, help="at most one adapted window every N windows")
    g.add_argument("--accept-after", type=int, help="accept a steady alert state as a new mode after N windows (default 0: never by itself)")


_CONFIG_OPTIONS = ("threshold_sigmas", "clear_sigmas", "min_duration", "refractory", "adapt_every", "accept_after")


def _config(args: argparse.Namespace, src: Any, first: Any) -> Any:
    from .watch import MaintenanceConfig

    options = {key: getattr(args, key) for key in _CONFIG_OPTIONS if getattr(args, key) is not None}
    if args.learn_seconds is None and args.learn_windows is None:
        raise _error("a new state needs a learning period: pass --learn-seconds or --learn-windows")
    if (args.kind or "vibration") == "telemetry":
        import numpy as np

        period = args.period
        if period is None:
            # the typical interval of the first rows (the median resists gaps and repeats)
            dt = np.diff(first[:, 0]) if first is not None and len(first) > 2 else np.empty(0)
            dt = dt[dt > 0]
            period = float(np.median(dt)) if len(dt) else 300.0
        extra = {"scales": args.scales} if args.scales else {}
        return MaintenanceConfig.telemetry(
            learn_windows=args.learn_windows, learn_seconds=args.learn_seconds, channels=src.channels,
            period=period, **extra, **options
        )
    if args.bands:
        options["bands"] = args.bands
    extra = {"window": args.window} if args.window else {}
    return MaintenanceConfig.vibration(
        src.sample_rate, src.channels, hop=args.hop, learn_windows=args.learn_windows, learn_seconds=args.learn_seconds,
        **extra, **options
    )


def _source(args: argparse.Namespace, kind: str, skip: int, sample_rate: float | None, channels: Any) -> Any:
    from ...sources.sensors import CsvSensorSource, TelemetryCsvSource

    if kind == "telemetry":
        return TelemetryCsvSource(args.input, chunk_rows=args.chunk_rows, skip_rows=skip, channels=channels)
    return CsvSensorSource(args.input, sample_rate=sample_rate, channels=channels, chunk_rows=args.chunk_rows, skip_rows=skip)


def _source_name(path: str) -> str:
    return path if path == "-" else os.path.abspath(path)


class Session:
    """One command's hold on a state file: opened once at the start, written only on success.

    The store is opened once and kept for the whole command. A writer holds the state's
    lock from its first read to the end (``lock="open"``): a second command writing the same
    file waits for it, then works on its result, or fails naming its PID; a reader
    (``writer=False``) takes no lock. A new state file is created only by the first
    :meth:`save`.
    """

    def __init__(self, path: str, writer: bool = True) -> None:
        from ...state import FileStore
        from ...state.persist import COMPONENT_KEY
        from .watch import MachineWatch

        if os.path.isdir(path):
            raise _error(f"{path}: is a directory; give the path of a state file")
        self.path = path
        try:
            self.store = FileStore(path, lock="open") if writer else FileStore(path, readonly=True)
            state = self.store.load()
        except PermissionError:
            raise _error(f"{path}: permission denied; check the file's permissions") from None
        self.watch: Any = None
        self._factory: dict | None = None
        if state is not None:
            state = dict(state)
            saved_as = state.pop(COMPONENT_KEY, None)
            if saved_as not in (None, "MachineWatch"):
                raise _error(f"{path}: holds the state of a {saved_as}, not of a maintenance watch; use another file")
            cfg = MachineWatch.config_in(state, path)
            self.watch = MachineWatch(cfg)
            self.watch.load_state_dict(state)

    @property
    def exists(self) -> bool:
        return self.watch is not None and self._factory is None

    def create(self, config: Any) -> Any:
        """A new watch with ``config``; nothing is written yet."""
        from .watch import MachineWatch

        self.watch = MachineWatch(config)
        self._factory = self._tagged()
        return self.watch

    def _tagged(self) -> dict:
        from ...state.persist import COMPONENT_KEY

        state = dict(self.watch.state_dict())
        state[COMPONENT_KEY] = "MachineWatch"
        return state

    def save(self) -> None:
        """Write the watch's state (creating the file, with the fresh watch as factory state)."""
        try:
            if self._factory is not None:
                self.store.create(self._factory)
                self._factory = None
            self.store.save(self._tagged())
        except PermissionError:
            raise _error(f"{self.path}: permission denied while saving; check the file's permissions") from None

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _start(args: argparse.Namespace, session: Session) -> Iterator[Any]:
    """The watch positioned on the input (created from the input's header if new); yields chunks."""
    if session.watch is not None:
        watch = session.watch
        cfg = watch.config
        _check_against(args, cfg)
        watch.seek(_source_name(args.input))
        rate = cfg.sample_rate if cfg.kind == "vibration" else None
        src = _source(args, cfg.kind, watch.skip_rows(), rate, cfg.channels)
        yield from src
        return
    kind = args.kind or "vibration"
    src = _source(args, kind, 0, args.sample_rate, None)
    chunks = iter(src)
    first = next(chunks, None)
    if first is None and not src.columns:
        raise _error(f"{args.input}: no data rows")
    watch = session.create(_config(args, src, first))
    watch.seek(_source_name(args.input))
    if first is not None:
        yield first
    yield from chunks


_OPTION_FIELDS = (
    "sample_rate", "window", "hop", "bands", "scales", "period", "learn_windows",
    "threshold_sigmas", "clear_sigmas", "min_duration", "refractory", "adapt_every", "accept_after",
)


def _check_against(args: argparse.Namespace, cfg: Any) -> None:
    """Refuse configuration options that disagree with the configuration of an existing state."""
    wrong = []
    if args.kind is not None and args.kind != cfg.kind:
        wrong.append(f"--kind {args.kind} (state: {cfg.kind})")
    for option in _OPTION_FIELDS:
        given = getattr(args, option, None)
        if given is not None and given != getattr(cfg, option, None):
            wrong.append(f"--{option.replace('_', '-')} {given} (state: {getattr(cfg, option, None)})")
    if args.learn_seconds is not None:
        if int(round(args.learn_seconds / cfg.seconds_per_window())) != cfg.learn_windows:
            wrong.append(f"--learn-seconds {args.learn_seconds:g} (state: {cfg.learn_windows} windows)")
    if wrong:
        raise _error(
            f"{args.state}: exists with another configuration: {', '.join(wrong)}; drop these options "
            "(the state file keeps its configuration) or use another state file"
        )


def _write_records(out: TextIO, watch: Any) -> None:
    r = watch.results
    emit = Output(json_mode=True, stream=out)
    phases = ("learning", "monitoring")
    for k in range(len(r.index)):
        emit.emit(WINDOW_SCHEMA.record(
            window=int(r.index[k]), time=float(watch.times[k]), phase=phases[not r.learning[k]],
            score=None if r.learning[k] else float(r.score[k]), alert=bool(r.alert[k]), event=r.event[k],
            mode=int(r.mode[k]),
        ))


def _write_results(out: TextIO, watch: Any) -> None:
    r = watch.results
    phases = ("learning", "monitoring")
    lines = []
    for k in range(len(r.index)):
        score = "" if r.learning[k] else f"{r.score[k]:.2f}"
        lines.append(
            f"{r.index[k]},{watch.times[k]:.3f},{phases[not r.learning[k]]},{score},{int(r.alert[k])},{r.event[k]}\n"
        )
    out.write("".join(lines))


class _Warnings:
    """Show the first few warnings of a run on stderr, then count the rest."""

    def __enter__(self) -> "_Warnings":
        self._catch = warnings.catch_warnings(record=True)
        self.records = self._catch.__enter__()
        warnings.simplefilter("always")
        return self

    def flush(self) -> None:
        for w in self.records[:MAX_WARNINGS_SHOWN]:
            print(f"edgeadapt: warning: {w.message}", file=sys.stderr)
        if len(self.records) > MAX_WARNINGS_SHOWN:
            print(f"edgeadapt: warning: ... and {len(self.records) - MAX_WARNINGS_SHOWN} more", file=sys.stderr)
        self.records.clear()

    def __exit__(self, *exc: Any) -> None:
        self._catch.__exit__(*exc)
        self.flush()


def _time_summary(watch: Any) -> str:
    tl = watch.timeline
    if tl is None:
        return f"; skipped {watch.skipped_windows} windows holding a missing sample" if watch.skipped_windows else ""
    if not (tl.skipped_nan or tl.skipped_time or tl.gaps):
        return ""
    return (
        f"; skipped {tl.skipped_nan} rows with missing values and {tl.skipped_time} with repeated or backward "
        f"timestamps, {tl.gaps} gaps"
    )


def _learn(args: argparse.Namespace) -> int:
    check_options(args)
    with Session(args.state) as session, _Warnings():
        chunks = _start(args, session)
        first = next(chunks, None)
        watch = session.watch
        if watch is None:  # pragma: no cover (an empty input raised already)
            raise _error(f"{args.input}: no data rows")
        mon = watch.monitor
        if session.exists and mon.phase == "monitoring" and not args.extend:
            print(f"{args.state}: already monitoring; 'reset' to learn again, or --extend to add normal data")
            return 0
        pending = [] if first is None else [first]
        for chunk in _chain(pending, chunks):
            if args.extend:
                watch.extend(chunk)
                continue
            need = watch.rows_to_learn()
            watch.update_many(chunk[:need])
            if need <= len(chunk) and mon.phase == "monitoring":
                break
        session.save()
        print(
            f"{args.state}: {mon.phase}, {mon.learned} of {watch.config.learn_windows} learning windows, "
            f"baseline of {mon.mode_windows()[0]:g} windows, {watch.cursor.rows} rows of input consumed"
            + _time_summary(watch)
        )
    return 0


def _chain(first: list, rest: Iterator[Any]) -> Iterator[Any]:
    yield from first
    yield from rest


def _watch(args: argparse.Namespace) -> int:
    check_options(args)
    with Session(args.state) as session, _Warnings() as shown:
        chunks = _start(args, session)
        first = next(chunks, None)
        out = open(args.output, "a", encoding="utf-8") if args.output else sys.stdout
        try:
            as_json = bool(getattr(args, "json", False))
            if not as_json and (args.output is None or out.tell() == 0):
                out.write(OUTPUT_HEADER + "\n")
            write = _write_records if as_json else _write_results
            unsaved, last = 0, time.monotonic()
            for chunk in _chain([] if first is None else [first], chunks):
                session.watch.update_many(chunk)
                write(out, session.watch)
                out.flush()
                shown.flush()
                unsaved += 1
                if unsaved >= args.save_every or time.monotonic() - last >= args.save_seconds:
                    session.save()  # a checkpoint: consistent with every row before it
                    unsaved, last = 0, time.monotonic()
            if session.watch is None:
                raise _error(f"{args.input}: no data rows")
            session.save()
        finally:
            if out is not sys.stdout:
                out.close()
        summary = _time_summary(session.watch)
        if summary:
            print(f"edgeadapt: {args.input}{summary}", file=sys.stderr)
    return 0


def _status(args: argparse.Namespace) -> int:
    from ...state import encode_blob

    with Session(args.state, writer=False) as session:
        watch = session.watch
        if watch is None:
            raise _error(f"{args.state}: no state yet; create it with 'maintenance learn' or 'maintenance watch'")
        info = watch.status()
        state = watch.state_dict()
        info["state_bytes"] = len(encode_blob(state))
        info["baseline_bytes"] = len(encode_blob({k: v for k, v in state.items() if ".scorer." in k}))
    if args.json:
        Output(json_mode=True).emit(STATUS_SCHEMA.record(**info))
        return 0
    cal = info["calibration"]
    print(f"kind: {info['kind']}, channels: {','.join(info['channels'])}, features: {info['features']}")
    learning = " (still learning: the calibration needs more evidence)" if info["still_learning"] and info["learned_windows"] >= info["learn_windows"] else ""
    print(f"phase: {info['phase']} ({info['learned_windows']} of {info['learn_windows']} learning windows){learning}")
    parts = [f"{name}: scale {cal[name]['scale']:.2f}, log-se {cal[name]['log_se']:.3f}, {'enough' if cal[name]['enough'] else 'NOT enough'}"
             for name in ("distance", "residual", "slow") if name in cal]
    print(f"calibration: {cal['windows']} held-out windows; " + "; ".join(parts))
    th = info["threshold"]
    print(f"threshold: raise at score {th['raise']:.2f} ({th['sigmas']:g} sigmas), clear below {th['clear']:.2f}")
    if "levels" in info:
        lv = info["levels"]
        out = [name for name, v in lv["channels"].items() if not v["used"]]
        print(f"levels: {len(lv['channels']) - len(out)} of {len(lv['channels'])} used (each needs {lv['needed']:.0f} "
              f"effectively independent learning windows)" + (f"; left out (they wander): {', '.join(out)}" if out else ""))
    print(f"modes: {info['modes']} (accepted {info['accepted']}), windows per mode: {', '.join(f'{c:g}' for c in cal['mode_windows'])}")
    print(f"windows: {info['windows']}, alerts: {info['alerts']}, alert active: {info['alert_active']}")
    if "time" in info:
        t = info["time"]
        print(f"time: typical period {t['typical_period_s']:g} s, skipped {t['skipped_nan_rows']} rows with missing values, "
              f"{t['skipped_time_rows']} with repeated or backward timestamps, {t['gaps']} gaps")
    if "skipped_windows" in info:
        print(f"skipped: {info['skipped_windows']} windows holding a missing, NaN or Inf sample")
    print(f"input: {info['input']['source'] or '(none)'}, rows consumed: {info['input']['rows']}")
    print(f"state: {info['state_bytes']} bytes, of which baseline and calibration {info['baseline_bytes']} bytes")
    return 0


def _existing(session: Session) -> Any:
    if session.watch is None:
        raise _error(f"{session.path}: no state yet; create it with 'maintenance learn' or 'maintenance watch'")
    return session.watch


def _accept(args: argparse.Namespace) -> int:
    with Session(args.state) as session:
        watch = _existing(session)
        windows = watch.monitor.candidate.count
        mode = watch.accept()
        session.save()
    print(f"{args.state}: accepted the state of the current alert as operating mode {mode} ({windows:g} windows); alert ended")
    return 0


def _reset(args: argparse.Namespace) -> int:
    with Session(args.state) as session:
        _existing(session).reset()
        session.save()
    print(f"{args.state}: baseline forgotten; learning again from the next rows")
    return 0


def _merge(args: argparse.Namespace) -> int:
    with Session(args.other, writer=False) as other_session:
        other = _existing(other_session)
        with Session(args.state) as session:
            watch = _existing(session)
            watch += other
            session.save()
            print(f"{args.state}: merged; baseline of {watch.monitor.mode_windows()[0]:g} windows")
    return 0


def _demo(args: argparse.Namespace) -> int:
    """Write the demo's data into its own directory, then learn and watch it as a user would."""
    import numpy as np

    from .demo import DEMO_FAULT_ONSET_S, DEMO_LEARN_S, DEMO_WINDOW, write_demo_data

    csv, state, scores = write_demo_data(args.dir)
    common = dict(input=csv, state=state, chunk_rows=args.chunk_rows, kind=None, sample_rate=None, window=None, hop=None,
                  bands=None, scales=None, period=None, learn_seconds=None, learn_windows=None, threshold_sigmas=None,
                  clear_sigmas=None, min_duration=None, refractory=None, adapt_every=None, accept_after=None)
    _learn(argparse.Namespace(**dict(common, window=DEMO_WINDOW, learn_seconds=DEMO_LEARN_S), extend=False))
    _watch(argparse.Namespace(**common, output=scores, save_every=DEFAULT_SAVE_EVERY, save_seconds=DEFAULT_SAVE_SECONDS,
                              json=False))
    with Session(state, writer=False) as session:
        alerts = session.watch.monitor.guard.alerts
    rows = np.genfromtxt(scores, delimiter=",", names=True, dtype=None, encoding="utf-8")
    raised = rows["time"][rows["event"] == "raised"] if rows.size else np.empty(0)
    print(
        f"{args.dir}: pump.csv (3-axis vibration, an outer-race defect from {DEMO_FAULT_ONSET_S:g} s), "
        f"pump.ea (the state), scores.csv (one line per window); {alerts} alert(s)"
        + (f", the first at {float(raised[0]):.1f} s" if len(raised) else "")
    )
    return 0


def _plot(args: argparse.Namespace) -> int:
    import numpy as np

    from .plot import FORMATS, plot_watch, read_watch_output

    if os.path.splitext(args.output)[1].lower() not in FORMATS:
        raise _error(f"{args.output}: choose an image file ending in {', '.join(FORMATS)}")
    levels = None
    if args.state is not None:
        with Session(args.state, writer=False) as session:
            watch = _existing(session)
            levels = (float(watch.monitor.guard.on), watch.monitor._clear_level())
    if args.input == "-":
        data = read_watch_output(sys.stdin, "<stdin>")
    else:
        if not os.path.isfile(args.input):
            raise _error(f"{args.input}: no such watch output; give the file 'maintenance watch --output' wrote")
        try:
            with open(args.input, encoding="utf-8") as f:
                data = read_watch_output(f, args.input)
        except UnicodeDecodeError:
            raise _error(f"{args.input}: not a line of 'maintenance watch' output (CSV or --json): not UTF-8 text") from None
    out_dir = os.path.dirname(os.path.abspath(args.output))
    if not os.path.isdir(out_dir):
        raise _error(f"{args.output}: its directory does not exist; create it or choose another path")
    plot_watch(data, args.output, levels, title=os.path.basename(args.input))
    print(f"{args.output}: {len(data['time'])} windows, {int(np.sum(np.diff(np.r_[0, data['alert'].astype(int)]) == 1))} alerts")
    return 0


def register(groups: argparse._SubParsersAction) -> None:
    """Add the ``maintenance`` command group."""
    parser = groups.add_parser("maintenance", help="learn a machine's normal from sensor data, then watch for anomalies")
    sub = parser.add_subparsers(dest="command", metavar="ACTION", required=True)

    p = sub.add_parser("learn", help="learn the baseline from an input (stops when the learning period is complete)")
    p.add_argument("--input", required=True, help="CSV file, or - for stdin")
    p.add_argument("--state", required=True, help="state file (created if absent)")
    p.add_argument("--extend", action="store_true", help="add the whole input to an existing baseline as normal data")
    _add_config_options(p)
    add_output_options(p, json=False)
    p.set_defaults(func=_learn)

    p = sub.add_parser("watch", help="score every window and raise alerts; resumes where it left off")
    p.add_argument("--input", required=True, help="CSV file, or - for stdin")
    p.add_argument("--state", required=True, help="state file (created if absent)")
    p.add_argument("--output", help="append the per-window CSV (or JSON Lines with --json) to this file (default: stdout)")
    p.add_argument("--save-every", type=int, default=DEFAULT_SAVE_EVERY, help="checkpoint the state every N input chunks")
    p.add_argument("--save-seconds", type=float, default=DEFAULT_SAVE_SECONDS, help="... or every S seconds")
    _add_config_options(p)
    add_output_options(p)
    p.set_defaults(func=_watch)

    p = sub.add_parser("status", help="print phase, calibration evidence, modes, counters, position and state size")
    p.add_argument("--state", required=True)
    add_output_options(p)
    p.set_defaults(func=_status)

    p = sub.add_parser("accept", help="accept the state of the current alert as a new operating mode (ends the alert)")
    p.add_argument("--state", required=True)
    add_output_options(p, json=False)
    p.set_defaults(func=_accept)

    p = sub.add_parser("reset", help="forget the baseline and learn again")
    p.add_argument("--state", required=True)
    add_output_options(p, json=False)
    p.set_defaults(func=_reset)

    p = sub.add_parser("demo", help="make sample vibration data in its own directory, then learn and watch it")
    p.add_argument("--dir", default="edgeadapt-maintenance-demo", help="directory for the demo's data, state and output")
    p.add_argument("--chunk-rows", type=int, default=DEFAULT_CHUNK_ROWS, help=argparse.SUPPRESS)
    add_output_options(p, json=False)
    p.set_defaults(func=_demo)

    p = sub.add_parser("plot", help="draw scores, alert levels and alerts over time from a watch output (plot extra)")
    p.add_argument("--input", required=True, help="what 'maintenance watch' wrote (CSV or --json), or - for stdin")
    p.add_argument("--output", required=True, help="image file to write (.png, .svg, .pdf)")
    p.add_argument("--state", help="the watch's state: draws its raise and clear levels")
    add_output_options(p, json=False)
    p.set_defaults(func=_plot)

    p = sub.add_parser("merge", help="merge another state's baseline (same configuration) into this one")
    p.add_argument("--state", required=True)
    p.add_argument("--from", dest="other", required=True, help="state file to merge from (unchanged)")
    add_output_options(p, json=False)
    p.set_defaults(func=_merge)
