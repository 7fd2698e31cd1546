"""``edgeadapt maintenance learn|watch|status|reset|merge``: baselining from the command line.

``learn`` reads an input until the learning period is complete (or the input ends)
and records the position; ``watch`` continues (learning first if needed, then
monitoring) and prints one CSV line per window::

    window,time,phase,score,alert,event
    812,397.312,monitoring,0.0213,0,
    813,397.517,monitoring,0.6412,1,raised

The state file holds the configuration, baseline, guard memory and the position in
the input; a watch killed and started again on the same file skips the rows it had
consumed (windows after the last save are processed and printed again).

Examples
--------
>>> import argparse
>>> groups = argparse.ArgumentParser().add_subparsers()
>>> register(groups)
>>> sorted(groups.choices["maintenance"]._subparsers._group_actions[0].choices)
['learn', 'merge', 'reset', 'status', 'watch']
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from typing import IO, Any, Iterator

OUTPUT_HEADER = "window,time,phase,score,alert,event"
DEFAULT_SAVE_EVERY = 20  # chunks between saves of the state
DEFAULT_SAVE_SECONDS = 10.0


def _floats(text: str) -> tuple[float, ...]:
    return tuple(float(v) for v in text.split(","))


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(v) for v in text.split(","))


def _add_config_options(p: argparse.ArgumentParser) -> None:
    from ...sources.sensors import DEFAULT_CHUNK_ROWS

    p.add_argument("--chunk-rows", type=int, default=DEFAULT_CHUNK_ROWS, help="input rows read at a time (latency)")
    g = p.add_argument_group("configuration (only when the state file is created)")
    g.add_argument("--kind", choices=("vibration", "telemetry"), help="input kind (default vibration)")
    g.add_argument("--sample-rate", type=float, help="vibration samples per second (or '# sample_rate=' in the file)")
    g.add_argument("--window", type=int, help="vibration samples per window (default 4096)")
    g.add_argument("--hop", type=int, help="samples between windows (default half a window)")
    g.add_argument("--bands", type=_floats, help="band edges in Hz, e.g. 0,10,100,1000,5000")
    g.add_argument("--scales", type=_ints, help="telemetry scales in rows, e.g. 1,3,12")
    g.add_argument("--period", type=float, help="telemetry seconds between rows, for --learn-seconds (default 300)")
    g.add_argument("--learn-seconds", type=float, help="learning period in seconds of input")
    g.add_argument("--learn-windows", type=int, help="learning period in windows")
    g.add_argument("--threshold-sigmas", type=float, help="alert threshold in calibration deviations (default 4, telemetry 6)")
    g.add_argument("--min-duration", type=int, help="windows above threshold before an alert (default 3)")
    g.add_argument("--refractory", type=int, help="windows without new alert after one clears (default 20)")
    g.add_argument("--adapt-every", type=int, help="at most one adapted window every N windows (default 10)")


def _config(args: argparse.Namespace, channels: tuple[str, ...], sample_rate: float | None) -> Any:
    from .watch import MaintenanceConfig

    options = {
        key: getattr(args, key)
        for key in ("threshold_sigmas", "min_duration", "refractory", "adapt_every")
        if getattr(args, key) is not None
    }
    if args.learn_seconds is None and args.learn_windows is None:
        from ...errors import InputError

        raise InputError("a new state needs a learning period: pass --learn-seconds or --learn-windows")
    if (args.kind or "vibration") == "telemetry":
        extra = {"scales": args.scales} if args.scales else {}
        if args.period:
            extra["period"] = args.period
        return MaintenanceConfig.telemetry(
            learn_windows=args.learn_windows, learn_seconds=args.learn_seconds, name=channels[-1], **extra, **options
        )
    if args.bands:
        options["bands"] = args.bands
    extra = {"window": args.window} if args.window else {}
    return MaintenanceConfig.vibration(
        sample_rate, channels, hop=args.hop, learn_windows=args.learn_windows, learn_seconds=args.learn_seconds, **extra, **options
    )


def _source(args: argparse.Namespace, kind: str, skip: int, sample_rate: float | None, channels: Any) -> Any:
    from ...sources.sensors import CsvSensorSource, TelemetryCsvSource

    if kind == "telemetry":
        return TelemetryCsvSource(args.input, chunk_rows=args.chunk_rows, skip_rows=skip)
    return CsvSensorSource(args.input, sample_rate=sample_rate, channels=channels, chunk_rows=args.chunk_rows, skip_rows=skip)


def _source_name(path: str) -> str:
    return path if path == "-" else os.path.abspath(path)


def _open(args: argparse.Namespace) -> tuple[Any, Iterator[Any]]:
    """Open (or create) the persisted watch and the input positioned where it left off."""
    from ...state import Coalesced
    from .watch import MachineWatch

    never = Coalesced(max_updates=sys.maxsize, max_seconds=math.inf)  # the command flushes itself
    if os.path.exists(args.state):
        watch = MachineWatch.open(args.state, policy=never)
        cfg = watch.config
        _check_options(args, cfg)
        watch.seek(_source_name(args.input))
        channels = None if cfg.kind == "telemetry" else cfg.channels
        rate = cfg.sample_rate if cfg.kind == "vibration" else None
        src = _source(args, cfg.kind, watch.skip_rows(), rate, channels)
        return watch, iter(src)
    kind = args.kind or "vibration"
    src = _source(args, kind, 0, args.sample_rate, None)
    chunks = iter(src)
    first = next(chunks, None)
    if first is None and not getattr(src, "columns", ()):
        from ...errors import InputError

        raise InputError(f"{args.input}: no data rows")
    channels = src.columns if kind == "telemetry" else src.channels
    cfg = _config(args, tuple(channels), getattr(src, "sample_rate", None))
    watch = MachineWatch.open(args.state, cfg, policy=never)
    watch.seek(_source_name(args.input))

    def all_chunks() -> Iterator[Any]:
        if first is not None:
            yield first
        yield from chunks

    return watch, all_chunks()


_OPTION_FIELDS = {
    "kind": "kind",
    "sample_rate": "sample_rate",
    "window": "window",
    "hop": "hop",
    "bands": "bands",
    "scales": "scales",
    "learn_windows": "learn_windows",
    "threshold_sigmas": "threshold_sigmas",
    "min_duration": "min_duration",
    "refractory": "refractory",
    "adapt_every": "adapt_every",
}


def _check_options(args: argparse.Namespace, cfg: Any) -> None:
    """Refuse configuration options that disagree with the configuration of an existing state."""
    from ...errors import InputError

    wrong = []
    for option, name in _OPTION_FIELDS.items():
        given = getattr(args, option)
        if given is not None and given != getattr(cfg, name):
            wrong.append(f"--{option.replace('_', '-')} {given} (state: {getattr(cfg, name)})")
    if args.learn_seconds is not None:
        per_window = cfg.hop / cfg.sample_rate if cfg.kind == "vibration" else (args.period or 300.0)
        if int(round(args.learn_seconds / per_window)) != cfg.learn_windows:
            wrong.append(f"--learn-seconds {args.learn_seconds:g} (state: {cfg.learn_windows} windows)")
    if wrong:
        raise InputError(
            f"{args.state}: exists with another configuration: {', '.join(wrong)}; drop these options "
            "(the state file keeps its configuration) or use another state file"
        )


def _write_results(out: IO[str], watch: Any) -> None:
    r = watch.results
    phases = ("learning", "monitoring")
    lines = []
    for k in range(len(r.index)):
        score = "" if r.learning[k] else f"{r.score[k]:.4f}"
        lines.append(
            f"{r.index[k]},{watch.times[k]:.3f},{phases[not r.learning[k]]},{score},{int(r.alert[k])},{r.event[k]}\n"
        )
    out.write("".join(lines))


def _learn(args: argparse.Namespace) -> int:
    watch, chunks = _open(args)
    try:
        scorer = watch.monitor.scorer
        if scorer.phase == "monitoring" and not args.extend:
            print(f"{args.state}: already monitoring; 'reset' to learn again, or --extend to add normal data")
            return 0
        for chunk in chunks:
            if args.extend:
                watch.extend(chunk)
                continue
            need = watch.rows_to_learn()
            watch.update_many(chunk[:need])
            if need <= len(chunk):
                break
        watch.flush()
        print(
            f"{args.state}: {scorer.phase}, {scorer.learned} of {watch.config.learn_windows} learning windows, "
            f"baseline of {scorer.baseline.count:g} windows, {watch.cursor.rows} rows of input consumed"
        )
    finally:
        watch.close()
    return 0


def _watch(args: argparse.Namespace) -> int:
    watch, chunks = _open(args)
    out = open(args.output, "a", encoding="utf-8") if args.output else sys.stdout
    try:
        if args.output is None or out.tell() == 0:
            out.write(OUTPUT_HEADER + "\n")
        unsaved, last = 0, time.monotonic()
        for chunk in chunks:
            watch.update_many(chunk)
            _write_results(out, watch)
            out.flush()
            unsaved += 1
            if unsaved >= args.save_every or time.monotonic() - last >= args.save_seconds:
                watch.flush()
                unsaved, last = 0, time.monotonic()
        watch.flush()
    finally:
        watch.close()
        if out is not sys.stdout:
            out.close()
    return 0


def _status(args: argparse.Namespace) -> int:
    from ...state import encode_blob
    from .watch import MachineWatch

    watch = MachineWatch.open(args.state)
    try:
        scorer, guard = watch.monitor.scorer, watch.monitor.guard
        state = watch.component.state_dict()
        baseline = {k: v for k, v in state.items() if ".scorer." in k}
        print(f"kind: {watch.config.kind}, channels: {','.join(watch.config.channels)}, features: {watch.config.dim()}")
        print(f"phase: {scorer.phase} ({scorer.learned} of {watch.config.learn_windows} learning windows)")
        print(f"windows: {watch.monitor.windows}, alerts: {guard.alerts}, alert active: {guard.active}")
        print(f"input: {watch.cursor.source or '(none)'}, rows consumed: {watch.cursor.rows}")
        print(f"state: {len(encode_blob(state))} bytes, of which baseline and calibration {len(encode_blob(baseline))} bytes")
    finally:
        watch.close()
    return 0


def _reset(args: argparse.Namespace) -> int:
    from .watch import MachineWatch

    with MachineWatch.open(args.state) as watch:
        watch.reset()
    print(f"{args.state}: baseline forgotten; learning again from the next rows")
    return 0


def _merge(args: argparse.Namespace) -> int:
    from .watch import MachineWatch

    other = MachineWatch.open(args.other)
    try:
        with MachineWatch.open(args.state) as watch:
            watch += other
            print(f"{args.state}: merged; baseline of {watch.monitor.scorer.baseline.count:g} windows")
    finally:
        other.close()
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
    p.set_defaults(func=_learn)

    p = sub.add_parser("watch", help="score every window and raise alerts; resumes where it left off")
    p.add_argument("--input", required=True, help="CSV file, or - for stdin")
    p.add_argument("--state", required=True, help="state file (created if absent)")
    p.add_argument("--output", help="append the per-window CSV to this file (default: stdout)")
    p.add_argument("--save-every", type=int, default=DEFAULT_SAVE_EVERY, help="save the state every N input chunks")
    p.add_argument("--save-seconds", type=float, default=DEFAULT_SAVE_SECONDS, help="... or every S seconds")
    _add_config_options(p)
    p.set_defaults(func=_watch)

    p = sub.add_parser("status", help="print phase, counters, position and state size")
    p.add_argument("--state", required=True)
    p.set_defaults(func=_status)

    p = sub.add_parser("reset", help="forget the baseline and learn again")
    p.add_argument("--state", required=True)
    p.set_defaults(func=_reset)

    p = sub.add_parser("merge", help="merge another state's baseline (same configuration) into this one")
    p.add_argument("--state", required=True)
    p.add_argument("--from", dest="other", required=True, help="state file to merge from (unchanged)")
    p.set_defaults(func=_merge)
