"""One machine's watch: configuration, features, monitor and resume position in one state.

:class:`MachineWatch` is what ``edgeadapt maintenance learn|watch`` persists: it takes
raw sensor rows, cuts them into windows, computes features, runs the
:class:`~.monitor.Monitor`, and advances a :class:`Cursor` that records how many rows
of the current input have been consumed. The configuration (one type per kind of
machine data: :class:`VibrationConfig`, :class:`TelemetryConfig`) is stored in the
state as JSON, so a state file is enough to resume, and a state is never loaded into a
watch with another configuration.

Telemetry rows go through a :class:`TimeLine` first: rows holding NaN (an empty cell),
duplicate or backward timestamps (a daylight-saving change, a replayed buffer) are
skipped and counted, a gap longer than ``GAP_PERIODS`` typical periods starts the
windows afresh, and the typical period is learned from the timestamps and stored.

Examples
--------
>>> import numpy as np
>>> cfg = MaintenanceConfig.telemetry(scales=(1, 3), learn_windows=160)
>>> watch = MachineWatch(cfg)
>>> t = np.arange(400) * 300.0
>>> v = 20 + np.random.default_rng(0).normal(0, 0.1, 400)
>>> watch.update_many(np.stack([t, v], axis=1))
>>> watch.monitor.windows, watch.cursor.rows, watch.monitor.phase
(397, 400, 'monitoring')
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import warnings
from dataclasses import dataclass
from typing import Any, ClassVar, Mapping, Sequence

import numpy as np

from ...core import checks
from ...errors import InputError, StateMismatchError
from ...features import Framer, TelemetryFeatures, VibrationFeatures
from ...features.telemetry import DEFAULT_SCALES
from ...features.vibration import STATISTICS
from ...guard.alerts import AlertGuard
from ...learn import Moments
from ...state import FileStore, Persistent, WritePolicy, persist
from ...core.protocol import Stateful, conditional_mutator, expect_array, expect_keys, expect_scalar, load_parts_state, mutator, parts_state
from . import tails
from .baseline import DEFAULT_SHRINKAGE, DEFAULT_THRESHOLD_SIGMAS, LEVEL_EVIDENCE, BaselineScorer
from .monitor import DEFAULT_ADAPT_EVERY, DEFAULT_ADAPT_WEIGHT, AdaptationLimiter, Monitor, WindowResults
from .slow import DEFAULT_GROUP

__all__ = [
    "MaintenanceConfig",
    "VibrationConfig",
    "TelemetryConfig",
    "Cursor",
    "TimeLine",
    "MachineWatch",
    "VIBRATION",
    "TELEMETRY",
    "STDIN",
]

VIBRATION = "vibration"
TELEMETRY = "telemetry"
STDIN = "-"
DEFAULT_WINDOW = 4096
DEFAULT_TELEMETRY_PERIOD_S = 300.0
# An alert clears below Shewhart's 2-sigma warning limit: the window is no longer improbable.
DEFAULT_CLEAR_SIGMAS = 2.0
# The raise level comes from a target rate of false alerts on a machine that does not
# change: one per machine-century (a fleet of a hundred machines sees one a year).
# Windows overlap and may be fully dependent, so the per-window tail probability is
# that rate times the seconds per window (no credit is taken for min_duration):
# 5.2 sigmas for 5-minute telemetry, 6.2 for 1 s rows, 6.4 for 0.2 s vibration windows.
DEFAULT_FALSE_ALERTS_PER_YEAR = 0.01
SECONDS_PER_YEAR = 365.25 * 86400.0
# Alert guard defaults, in windows.
DEFAULT_MIN_DURATION = 3
DEFAULT_REFRACTORY = 20
# Slow adaptation of vibration baselines: at most one window per minute of signal.
VIBRATION_ADAPT_PERIOD_S = 60.0
# A telemetry interval longer than this many typical periods is a gap: windows do not span it.
GAP_PERIODS = 10.0
# The first intervals set the typical period before gaps can be judged.
MIN_PERIOD_EVIDENCE = 4
# update_many works through a long input this many rows at a time, so its memory stays
# bounded whatever the input's length (windows of a step overlap: a telemetry window
# holds max(scales) + 1 rows, a vibration step holds its windows twice at half hop).
STEP_ROWS = 8192


def _option(name: str) -> str:
    # the configuration field and its command-line flag, as messages name them
    return f"{name} (--{name.replace('_', '-')})"


def _positive_int(name: str, value: Any, minimum: int = 1) -> int:
    return checks.count(value, "", _option(name), minimum)


def _finite(name: str, value: Any, low: float = -math.inf, high: float = math.inf, open_low: bool = False) -> float:
    return checks.real(value, "", _option(name), low, high, open_low)


@dataclass(frozen=True, kw_only=True)
class MaintenanceConfig:
    """What every watch needs; stored with its state. Build one with :meth:`vibration` or :meth:`telemetry`.

    Durations of the alert guard (``min_duration``, ``refractory``), of adaptation
    (``adapt_every``), of automatic acceptance (``accept_after``, 0: only by command)
    and of the slow scale (``group``, 0 for none) are in windows.
    ``threshold_sigmas`` and ``clear_sigmas`` place the alert's raise and clear levels
    at the tail probabilities of a Gaussian that many sigmas out; the raise level
    defaults to :func:`threshold_sigmas_for` the seconds per window.
    """

    kind: ClassVar[str] = ""
    channels: tuple[str, ...]
    learn_windows: int
    threshold_sigmas: float = DEFAULT_THRESHOLD_SIGMAS
    clear_sigmas: float = DEFAULT_CLEAR_SIGMAS
    shrinkage: float = DEFAULT_SHRINKAGE
    min_duration: int = DEFAULT_MIN_DURATION
    refractory: int = DEFAULT_REFRACTORY
    adapt_every: int = DEFAULT_ADAPT_EVERY
    adapt: bool = True
    adapt_weight: float = DEFAULT_ADAPT_WEIGHT
    accept_after: int = 0
    group: int = 0
    level_evidence: float = LEVEL_EVIDENCE

    @staticmethod
    def vibration(sample_rate: float, channels: Sequence[str], **options: Any) -> "VibrationConfig":
        """A :class:`VibrationConfig` (see :meth:`VibrationConfig.create`)."""
        return VibrationConfig.create(sample_rate, channels, **options)

    @staticmethod
    def telemetry(**options: Any) -> "TelemetryConfig":
        """A :class:`TelemetryConfig` (see :meth:`TelemetryConfig.create`)."""
        return TelemetryConfig.create(**options)

    # ------------------------------------------------------------------ checks
    def check(self) -> None:
        """Raise :class:`InputError`, naming the option, if a value cannot work."""
        if not self.channels or not all(isinstance(c, str) and c for c in self.channels):
            raise InputError("give at least one channel name (non-empty text)")
        _positive_int("learn_windows", self.learn_windows, 8)
        on = _finite("threshold_sigmas", self.threshold_sigmas, 0.0, 30.0, open_low=True)
        _finite("clear_sigmas", self.clear_sigmas, 0.0, on)
        _finite("shrinkage", self.shrinkage, 0.0, 1.0)
        _positive_int("min_duration", self.min_duration)
        _positive_int("refractory", self.refractory, 0)
        _positive_int("adapt_every", self.adapt_every)
        _finite("adapt_weight", self.adapt_weight, 0.0, 1e6, open_low=True)
        _positive_int("accept_after", self.accept_after, 0)
        _positive_int("group", self.group, 0)
        _finite("level_evidence", self.level_evidence, 0.0, 1e12)

    def levels(self) -> tuple[float, float]:
        """Alert raise and clear levels in score units (``-log10`` tail probability).

        Examples
        --------
        >>> [round(v, 2) for v in MaintenanceConfig.telemetry(learn_windows=50, threshold_sigmas=3.0).levels()]
        [2.87, 1.64]
        """
        return -float(tails.log10_norm_sf(self.threshold_sigmas)), -float(tails.log10_norm_sf(self.clear_sigmas))

    def blocks(self) -> int:
        """Feature blocks with their own covariance."""
        return 1

    def level_features(self) -> tuple[int, ...]:
        """Indices of features that are levels (not differences): they need evidence of their range."""
        return ()

    def dim(self) -> int:
        """Features per window."""
        raise NotImplementedError

    def make_features(self) -> Any:
        """The feature extractor."""
        raise NotImplementedError

    def make_monitor(self) -> Monitor:
        """A new monitor in the learning phase."""
        scorer = BaselineScorer(
            self.dim(), self.learn_windows, self.blocks(), self.shrinkage, self.group, self.level_features(), self.level_evidence
        )
        on, off = self.levels()
        guard = AlertGuard(on, off, self.min_duration, self.refractory)
        guard.check()
        return Monitor(scorer, guard, AdaptationLimiter(self.adapt_every), self.adapt, self.adapt_weight, self.accept_after)

    # ------------------------------------------------------------------ JSON
    def to_json(self) -> str:
        """Canonical JSON text (sorted keys), with the kind.

        Examples
        --------
        >>> cfg = MaintenanceConfig.telemetry(learn_windows=50)
        >>> MaintenanceConfig.from_json(cfg.to_json()) == cfg
        True
        """
        raw = dataclasses.asdict(self)
        raw["kind"] = self.kind
        return json.dumps(raw, sort_keys=True)

    @staticmethod
    def from_json(text: str) -> "MaintenanceConfig":
        """Read :meth:`to_json` output (the kind picks the type)."""
        try:
            raw = json.loads(text)
            kind = raw.pop("kind")
            cls = {VIBRATION: VibrationConfig, TELEMETRY: TelemetryConfig}[kind]
            for f in dataclasses.fields(cls):
                if isinstance(raw.get(f.name), list):
                    raw[f.name] = tuple(raw[f.name])
            cfg = cls(**raw)
            cfg.check()
            return cfg
        except (ValueError, TypeError, KeyError, InputError) as exc:
            raise StateMismatchError(f"maintenance configuration in the state is unreadable ({exc}); reset the state") from exc


@dataclass(frozen=True, kw_only=True)
class VibrationConfig(MaintenanceConfig):
    """Multichannel vibration sampled at ``sample_rate``: windows of ``window`` samples every ``hop``."""

    kind: ClassVar[str] = VIBRATION
    sample_rate: float
    window: int = DEFAULT_WINDOW
    hop: int = DEFAULT_WINDOW // 2
    bands: tuple[float, ...] | None = None
    statistics: tuple[str, ...] = STATISTICS

    @classmethod
    def create(
        cls,
        sample_rate: float,
        channels: Sequence[str],
        window: int = DEFAULT_WINDOW,
        hop: int | None = None,
        learn_windows: int | None = None,
        learn_seconds: float | None = None,
        **options: Any,
    ) -> "VibrationConfig":
        """Checked configuration; ``hop`` defaults to half a window, the learning period is
        ``learn_windows`` or ``learn_seconds`` of signal; ``adapt_every`` defaults to one
        window per ``VIBRATION_ADAPT_PERIOD_S`` of signal, ``group`` to ``DEFAULT_GROUP``.

        Examples
        --------
        >>> MaintenanceConfig.vibration(10000.0, ["x", "y", "z"], learn_seconds=60).learn_windows
        293
        """
        rate = _finite("sample_rate", sample_rate, 0.0, 1e9, open_low=True)
        window = _positive_int("window", window, 2)
        hop = window // 2 if hop is None else _positive_int("hop", hop)
        learn = _learn_windows(learn_windows, learn_seconds, hop / rate)
        options.setdefault("group", DEFAULT_GROUP)
        options.setdefault("adapt_every", max(int(round(VIBRATION_ADAPT_PERIOD_S * rate / hop)), 1))
        options.setdefault("threshold_sigmas", threshold_sigmas_for(hop / rate))
        if options.get("bands") is not None:
            options["bands"] = tuple(float(b) for b in options["bands"])
        cfg = cls(channels=tuple(channels), window=window, hop=hop, learn_windows=learn, sample_rate=rate, **options)
        cfg.check()
        return cfg

    def check(self) -> None:
        super().check()
        _finite("sample_rate", self.sample_rate, 0.0, 1e9, open_low=True)
        _positive_int("window", self.window, 2)
        _positive_int("hop", self.hop)
        self.make_features().check_window(self.window)

    def blocks(self) -> int:
        return len(self.channels)

    def dim(self) -> int:
        return len(self.channels) * self.make_features().features_per_channel()

    def make_features(self) -> VibrationFeatures:
        return VibrationFeatures(self.sample_rate, self.bands, self.statistics)

    def seconds_per_window(self) -> float:
        """Seconds between two windows."""
        return self.hop / self.sample_rate


@dataclass(frozen=True, kw_only=True)
class TelemetryConfig(MaintenanceConfig):
    """Slow ``timestamp,value[,value...]`` telemetry: one window per row, features at ``scales`` rows.

    ``period`` is the nominal seconds between rows, used to turn ``learn_seconds`` into
    rows and as the typical period until the timestamps have shown theirs. All channels
    share one covariance (cross-channel correlations are modelled).
    """

    kind: ClassVar[str] = TELEMETRY
    scales: tuple[int, ...] = DEFAULT_SCALES
    period: float = DEFAULT_TELEMETRY_PERIOD_S

    @classmethod
    def create(
        cls,
        scales: Sequence[int] = DEFAULT_SCALES,
        learn_windows: int | None = None,
        learn_seconds: float | None = None,
        period: float = DEFAULT_TELEMETRY_PERIOD_S,
        name: str | None = None,
        channels: Sequence[str] | None = None,
        **options: Any,
    ) -> "TelemetryConfig":
        """Checked configuration (``name`` or ``channels``: the value columns; default ``value``).

        Examples
        --------
        >>> MaintenanceConfig.telemetry(learn_seconds=86400).learn_windows
        288
        """
        period = _finite("period", period, 0.0, 1e9, open_low=True)
        if not scales or not all(isinstance(k, (int, np.integer)) and not isinstance(k, bool) and k >= 1 for k in scales):
            raise InputError(f"scales (--scales) must be one or more positive integers of rows, got {scales!r}")
        learn = _learn_windows(learn_windows, learn_seconds, period)
        options.setdefault("threshold_sigmas", threshold_sigmas_for(period))
        chans = tuple(channels) if channels is not None else ((name,) if name else ("value",))
        cfg = cls(channels=chans, scales=tuple(int(k) for k in scales), period=period, learn_windows=learn, **options)
        cfg.check()
        return cfg

    def check(self) -> None:
        super().check()
        _finite("period", self.period, 0.0, 1e9, open_low=True)
        if not self.scales or min(self.scales) < 1:
            raise InputError(f"scales (--scales) must be one or more positive integers of rows, got {self.scales!r}")

    @property
    def window(self) -> int:
        """Rows per window (the largest scale plus one)."""
        return max(self.scales) + 1

    @property
    def hop(self) -> int:
        return 1

    def dim(self) -> int:
        return len(self.channels) * len(self.make_features().feature_names())

    def level_features(self) -> tuple[int, ...]:
        """The ``level`` feature of each channel (rates and residuals are differences)."""
        names = self.make_features().feature_names()
        return tuple(c * len(names) + names.index("level") for c in range(len(self.channels)))

    def make_features(self) -> TelemetryFeatures:
        return TelemetryFeatures(self.scales)

    def seconds_per_window(self) -> float:
        return self.period


def threshold_sigmas_for(seconds_per_window: float, false_alerts_per_year: float = DEFAULT_FALSE_ALERTS_PER_YEAR) -> float:
    """The raise level (in Gaussian sigmas) that keeps false alerts under the target rate.

    Examples
    --------
    >>> round(threshold_sigmas_for(300.0), 2), round(threshold_sigmas_for(1.0), 2)
    (5.21, 6.18)
    """
    alpha = min(false_alerts_per_year * float(seconds_per_window) / SECONDS_PER_YEAR, 0.5)
    return round(tails.norm_isf(alpha), 3)


def _learn_windows(windows: int | None, seconds: float | None, seconds_per_window: float) -> int:
    if (windows is None) == (seconds is None):
        raise InputError("give the learning period as exactly one of learn_windows (--learn-windows) or learn_seconds (--learn-seconds)")
    if windows is None:
        seconds = _finite("learn_seconds", seconds, 0.0, 1e12, open_low=True)
        windows = int(round(seconds / seconds_per_window))
        if windows < 8:
            raise InputError(
                f"learn_seconds (--learn-seconds) {seconds:g} gives {windows} windows; at least 8 are needed"
            )
    return _positive_int("learn_windows", windows, 8)


class Cursor(Stateful):
    """Which input is being read and how many of its rows are done (resume position).

    ``rows`` is the first row of the next window: a restart on the same file skips
    that many rows. Reading from standard input, nothing can be skipped: the watch
    continues with its baseline and guard, and ``rows`` counts the current session.

    Examples
    --------
    >>> c = Cursor(); c.seek("a.csv"); c.update(10); c.seek("a.csv"); c.rows
    10
    >>> c.seek("b.csv"); c.rows
    0
    """

    def __init__(self) -> None:
        self.source = ""
        self.rows = 0

    @conditional_mutator
    def seek(self, source: str) -> None:
        """Start reading ``source``: keep the position if it is the input read before (not stdin)."""
        source = str(source)
        if (source != self.source or source == STDIN) and (source, 0) != (self.source, self.rows):
            self.source, self.rows = source, 0
            self._touch()

    @conditional_mutator
    def update(self, rows: int) -> None:
        """``rows`` more rows are done."""
        if int(rows):
            self.rows += int(rows)
            self._touch()

    def state_dict(self) -> dict[str, Any]:
        """Input name and rows done."""
        return {"source": self.source, "rows": np.int64(self.rows)}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Load a position (checked)."""
        expect_keys(state, ["source", "rows"], self)
        rows = int(expect_scalar(state, "rows", np.int64, self))
        if not isinstance(state["source"], str) or rows < 0:
            raise StateMismatchError("Cursor: state entries 'source' (text) or 'rows' (>= 0) are damaged; reset the state")
        self.source, self.rows = state["source"], rows


class TimeLine(Stateful):
    """Telemetry rows made usable: skip bad rows, tolerate time going backwards, cut at gaps.

    Keeps the last ``window - 1`` good rows (the context of the next window), the last
    timestamp, the log-mean interval (the typical period, learned from the timestamps)
    and counters of what was skipped. It is part of the watch's state, so a restart
    continues exactly where it was.

    Parameters
    ----------
    window : int
        Rows per window.
    width : int
        Columns per row (timestamp plus values).
    period : float
        Nominal seconds between rows, used until the timestamps show theirs.

    Examples
    --------
    >>> tl = TimeLine(window=2, width=2, period=60.0)
    >>> rows = np.array([[0, 1.0], [60, 2.0], [60, 9.0], [30, 9.0], [120, np.nan], [180, 4.0]])
    >>> [w[:, :, 0].tolist() for w in tl.windows(rows)]
    [[[0.0, 60.0], [60.0, 180.0]]]
    >>> tl.skipped_time, tl.skipped_nan, tl.gaps
    (2, 1, 0)
    """

    def __init__(self, window: int, width: int, period: float) -> None:
        self.window = window
        self.width = width
        self.period = period
        self._pending: np.ndarray = np.empty((0, int(width)))
        self._last: float = -math.inf
        self._clear()

    @conditional_mutator
    def restart(self) -> None:
        """Another input starts: forget the context and the last time (keep the period and counters)."""
        if len(self._pending) or self._last != -math.inf:
            self._pending = np.empty((0, int(self.width)))
            self._last = -math.inf
            self._touch()

    @property
    def last_time(self) -> float:
        """The latest timestamp kept (-inf before any)."""
        return self._last

    @property
    def context_rows(self) -> int:
        """Good rows held as the context of the next window."""
        return len(self._pending)

    @conditional_mutator
    def reset(self) -> None:
        """Forget the context, the period and the counters."""
        had = bool(len(self._pending) or self._last != -math.inf or self._log_dt.count or self.skipped_nan
                   or self.skipped_time or self.gaps)
        self._clear()
        if had:
            self._touch()

    def _clear(self) -> None:
        self._pending = np.empty((0, int(self.width)))
        self._last = -math.inf
        self._log_dt = Moments(1)
        self.skipped_nan = 0
        self.skipped_time = 0
        self.gaps = 0

    def typical_period(self) -> float:
        """Geometric-mean seconds between rows (the nominal period before enough evidence)."""
        if self._log_dt.count < MIN_PERIOD_EVIDENCE:
            return float(self.period)
        return float(math.exp(float(self._log_dt.mean[0])))

    @conditional_mutator
    def windows(self, rows: Any, where: str = "rows") -> list[np.ndarray]:
        """Windows (k, window, width) completed by ``rows``, one array per stretch between gaps."""
        rows = np.asarray(rows, dtype=np.float64)
        if rows.ndim != 2 or rows.shape[1] != int(self.width):
            raise InputError(f"TimeLine: rows must have shape (n, {self.width}), got {rows.shape}")
        if len(rows) == 1:
            one = self._one(rows)
            if one is not None:
                return one
        finite = np.all(np.isfinite(rows), axis=1)
        bad = np.flatnonzero(~finite)
        if len(bad):
            self.skipped_nan += len(bad)
            warnings.warn(f"{where}: skipped {len(bad)} rows holding NaN, Inf or an empty cell (first at row {bad[0]})", stacklevel=3)
        if len(bad):
            self._touch()
        rows = rows[finite]
        # keep rows whose time moves forward from the last kept one (a running maximum)
        t = rows[:, 0]
        prior = np.maximum.accumulate(np.concatenate([[self._last], t]))[:-1]
        forward = t > prior
        back = int(np.sum(~forward))
        if back:
            self.skipped_time += back
            warnings.warn(f"{where}: skipped {back} rows whose timestamp repeats or goes back (daylight saving, replay)", stacklevel=3)
        rows = rows[forward]
        out: list[np.ndarray] = []
        if back:
            self._touch()
        if not len(rows):
            return out
        self._touch()
        dt = np.diff(np.concatenate([[self._last], rows[:, 0]]))
        start = 0
        size = int(self.window)
        for k in range(len(rows)):
            if not math.isfinite(dt[k]):
                continue
            if self._log_dt.count >= MIN_PERIOD_EVIDENCE and dt[k] > GAP_PERIODS * self.typical_period():
                out.append(self._cut(rows[start:k], size))
                self._pending = np.empty((0, int(self.width)))
                self.gaps += 1
                start = k
            else:
                self._log_dt.update(math.log(dt[k]))
        out.append(self._cut(rows[start:], size))
        self._last = float(rows[-1, 0])
        return [w for w in out if len(w)]

    def _one(self, rows: np.ndarray) -> list[np.ndarray] | None:
        # one good row in time order without a gap (live use): the same result as the
        # general path with a few scalar operations; anything else returns None
        t = float(rows[0, 0])
        dt = t - self._last
        if not (dt > 0.0 and math.isfinite(dt)) or not math.isfinite(float(rows.sum())):
            return None
        if self._log_dt.count >= MIN_PERIOD_EVIDENCE and dt > GAP_PERIODS * self.typical_period():
            return None
        self._touch()
        self._log_dt.update(math.log(dt))
        self._last = t
        size = int(self.window)
        pending = self._pending
        if len(pending) + 1 < size:
            self._pending = np.concatenate([pending, rows])
            return []
        buf = np.concatenate([pending[len(pending) - size + 1 :], rows]) if size > 1 else rows.copy()
        self._pending = buf[1:]
        return [buf[None]]

    def _cut(self, rows: np.ndarray, size: int) -> np.ndarray:
        buf = np.concatenate([self._pending, rows]) if len(self._pending) else rows
        # a read-only view of every window (no copy: memory stays that of the rows)
        win = (np.lib.stride_tricks.sliding_window_view(buf, (size, int(self.width)))[:, 0]
               if len(buf) >= size else np.empty((0, size, int(self.width))))
        self._pending = buf[-(size - 1) :].copy() if size > 1 else np.empty((0, int(self.width)))
        return win

    def state_dict(self) -> dict[str, Any]:
        """Context rows (padded to ``window - 1`` with NaN), last time, period moments, counters."""
        pad = np.full((int(self.window) - 1, int(self.width)), np.nan)
        if len(self._pending):
            pad[-len(self._pending) :] = self._pending
        state = {f"period.{k}": v for k, v in self._log_dt.state_dict().items()}
        state.update(
            context=pad,
            last=np.float64(self._last),
            skipped_nan=np.int64(self.skipped_nan),
            skipped_time=np.int64(self.skipped_time),
            gaps=np.int64(self.gaps),
        )
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Load a state of the same window and width (checked before any change)."""
        state = dict(state)
        plain = ["context", "last", "skipped_nan", "skipped_time", "gaps"]
        expect_keys(dict.fromkeys(k for k in state if not k.startswith("period.")), plain, self)
        ctx = expect_array(state, "context", (int(self.window) - 1, int(self.width)), np.float64, self, finite=False)
        last = float(expect_scalar(state, "last", np.float64, self, finite=False))
        counts = [int(expect_scalar(state, k, np.int64, self)) for k in plain[2:]]
        rows_ok = np.all(np.isfinite(ctx), axis=1)
        if min(counts) < 0 or math.isnan(last) or last == math.inf or np.any(np.isfinite(ctx) != rows_ok[:, None]):
            raise StateMismatchError("TimeLine: state holds a negative counter or a damaged context; reset the state")
        moments = Moments(1)
        moments.load_state_dict({k[len("period.") :]: v for k, v in state.items() if k.startswith("period.")})
        self._pending = ctx[rows_ok].copy()
        self._last, self._log_dt = last, moments
        self.skipped_nan, self.skipped_time, self.gaps = counts


class MachineWatch(Stateful):
    """Raw sensor rows in, per-window scores and alerts out, all state in one blob.

    Parameters
    ----------
    config : VibrationConfig or TelemetryConfig

    Attributes
    ----------
    monitor : Monitor
    cursor : Cursor
    timeline : TimeLine or None
        Telemetry only.
    results : WindowResults
        Outcome of the last :meth:`update_many`, with :attr:`times`.
    times : numpy.ndarray
        Time of the end of each window of the last call: seconds since the start of
        the input for vibration, the newest timestamp for telemetry.
    """

    def __init__(self, config: MaintenanceConfig) -> None:
        config.check()
        self.config = config
        self.features = config.make_features()
        self.monitor = config.make_monitor()
        self.cursor = Cursor()
        self.telemetry = config.kind == TELEMETRY
        width = 1 + len(config.channels) if self.telemetry else len(config.channels)
        self.width = width
        self.timeline: TimeLine | None = None
        self.sample_rate = 1.0
        if isinstance(config, TelemetryConfig):
            self.window, self.hop = config.window, 1
            self.timeline = TimeLine(config.window, width, config.period)
        elif isinstance(config, VibrationConfig):
            self.window, self.hop, self.sample_rate = config.window, config.hop, config.sample_rate
        else:
            raise InputError(f"MachineWatch: unknown configuration type {type(config).__name__}")
        self.framer = Framer(self.window, self.hop)
        self.times = np.empty(0)
        self.skipped_windows = 0  # vibration windows holding a missing sample

    @property
    def results(self) -> WindowResults:
        """Outcome of the last call, window by window."""
        return self.monitor.results

    @conditional_mutator
    def seek(self, source: str) -> None:
        """Start reading an input (a path, or ``"-"`` for stdin); see :class:`Cursor`."""
        same = str(source) == self.cursor.source and str(source) != STDIN
        before = self._position()
        self.cursor.seek(source)
        self.framer = Framer(self.window, self.hop)
        if self.timeline is not None and not same:
            self.timeline.restart()
        if self._position() != before:
            self._touch()

    def _position(self) -> tuple:
        tl = self.timeline
        return (self.cursor.source, self.cursor.rows) + (() if tl is None else (tl.context_rows, tl.last_time))

    def skip_rows(self) -> int:
        """Rows of the current input to skip when it is opened again."""
        return 0 if self.cursor.source == STDIN else self.cursor.rows

    def rows_to_learn(self) -> int:
        """Input rows still needed to finish the learning period (0 once monitoring)."""
        remaining = self.monitor.remaining()
        if self.timeline is not None:
            return remaining if remaining <= 0 else remaining + max(self.window - 1 - self.timeline.context_rows, 0)
        return self.framer.rows_for(remaining)

    def _features(self, rows: Any) -> tuple[int, np.ndarray, np.ndarray]:
        """(rows consumed, features, window end times) of the windows ``rows`` complete."""
        rows = np.asarray(rows, dtype=np.float64)
        if rows.ndim != 2 or rows.shape[1] != self.width:
            raise InputError(f"MachineWatch: rows must have shape (n, {self.width}), got {rows.shape}")
        if self.timeline is not None:
            parts = self.timeline.windows(rows, where=self.cursor.source or "rows")
            if not parts:
                return len(rows), np.empty((0, self.config.dim())), np.empty(0)
            feats = np.concatenate([self.features.transform(w, checked=True) for w in parts])
            times = np.concatenate([w[:, -1, 0] for w in parts])
            return len(rows), feats, times
        windows = self.framer.push(rows)
        n = len(windows)
        ends = self.cursor.rows + np.arange(n) * self.hop + self.window
        good = np.isfinite(windows).all(axis=(1, 2)) if n else np.ones(0, dtype=bool)
        if not good.all():
            # a window holding a missing sample is skipped (never scored, never learned)
            skipped = int(np.sum(~good))
            self.skipped_windows += skipped
            first = int(ends[np.flatnonzero(~good)[0]]) - self.window
            warnings.warn(
                f"{self.cursor.source or 'rows'}: skipped {skipped} windows holding a missing, NaN or Inf sample "
                f"(the first from row {first})",
                stacklevel=3,
            )
            windows, ends = windows[good], ends[good]
        feats = self.features.transform(windows) if len(windows) else np.empty((0, self.config.dim()))
        return n * self.hop, feats, ends / self.sample_rate

    @mutator
    def update_many(self, rows: Any) -> None:
        """Feed consecutive rows: (n, channels) samples, or (n, 1 + channels) ``timestamp, values`` for telemetry.

        A long input is worked through ``STEP_ROWS`` rows at a time (bounded memory);
        :attr:`results` and :attr:`times` cover all of it.
        """
        rows = np.asarray(rows)
        if rows.ndim == 2 and len(rows) > STEP_ROWS:
            results, times = [], []
            for k in range(0, len(rows), STEP_ROWS):
                self._update_step(rows[k : k + STEP_ROWS])
                results.append(self.monitor.results)
                times.append(self.times)
            self.monitor.results = WindowResults.concat(results)
            self.times = np.concatenate(times)
            return
        self._update_step(rows)

    def _update_step(self, rows: Any) -> None:
        consumed, feats, times = self._features(rows)
        self.monitor.update_many(feats)
        self.times = times
        self.cursor.update(consumed)

    @mutator
    def extend(self, rows: Any) -> None:
        """Add every complete window of ``rows`` to the first mode as normal running.

        Use it to extend a baseline with more data known to be normal (the learning
        period and calibration do not change; alerts and adaptation are untouched).
        """
        consumed, feats, times = self._features(rows)
        self.monitor.extend(feats)
        self.times = times
        self.cursor.update(consumed)

    @mutator
    def accept(self) -> int:
        """Accept the state of the current alert as a new operating mode (see :meth:`Monitor.accept`)."""
        return self.monitor.accept()

    @mutator
    def __iadd__(self, other: "MachineWatch") -> "MachineWatch":
        """Merge the modes and calibration of another watch with the same configuration.

        Two sensors on two machines of the same type, each learned on its own, merge
        into one baseline equal to learning from both streams.
        """
        other = getattr(other, "component", other)
        if not isinstance(other, MachineWatch) or other.config != self.config:
            raise InputError("MachineWatch: can only merge a watch with the same configuration")
        self.monitor.scorer += other.monitor.scorer
        return self

    @mutator
    def reset(self) -> None:
        """Learn again from scratch on the following rows (the position is kept)."""
        self.monitor.reset()

    def status(self) -> dict[str, Any]:
        """What the watch knows, as plain data (``maintenance status --json``)."""
        mon, cfg = self.monitor, self.config
        out: dict[str, Any] = {
            "kind": cfg.kind,
            "channels": list(cfg.channels),
            "features": cfg.dim(),
            "phase": mon.phase,
            "learned_windows": mon.learned,
            "learn_windows": cfg.learn_windows,
            "still_learning": mon.phase == "learning",
            "windows": mon.windows,
            "alerts": mon.guard.alerts,
            "alert_active": mon.guard.active,
            "modes": len(mon.mode_windows()),
            "accepted": mon.accepted,
            "candidate_windows": float(mon.candidate.count),
            "threshold": {"raise": mon.guard.on, "clear": mon.guard.off, "sigmas": cfg.threshold_sigmas},
            "calibration": mon.evidence(),
            "input": {"source": self.cursor.source, "rows": self.cursor.rows},
        }
        scorer = mon.scorer
        if scorer.levels:
            evidence, used = scorer.level_windows(), scorer.used
            out["levels"] = {
                "needed": float(scorer.level_evidence),
                "decided": scorer.learned >= int(cfg.learn_windows) // 2,
                "channels": {name: {"windows": float(evidence[k]), "used": bool(used[f])}
                             for k, (name, f) in enumerate(zip(cfg.channels, scorer.levels))},
            }
        if self.timeline is None:
            out["skipped_windows"] = self.skipped_windows
        if self.timeline is not None:
            tl = self.timeline
            out["time"] = {
                "typical_period_s": tl.typical_period(),
                "skipped_nan_rows": tl.skipped_nan,
                "skipped_time_rows": tl.skipped_time,
                "gaps": tl.gaps,
            }
        return out

    def _group(self) -> dict[str, Any]:
        parts: dict[str, Any] = {"monitor": self.monitor, "cursor": self.cursor}
        if self.timeline is not None:
            parts["time"] = self.timeline
        return parts

    def state_dict(self) -> dict[str, Any]:
        """Configuration (JSON), monitor, cursor and (telemetry) time line."""
        state = parts_state(self._group())
        state["config"] = self.config.to_json()
        if self.timeline is None:
            state["skipped_windows"] = np.int64(self.skipped_windows)
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Load a state saved with the same configuration."""
        state = dict(state)
        saved = state.pop("config", None)
        if saved != self.config.to_json():
            raise StateMismatchError(
                "MachineWatch: the state was saved with another configuration; open it without "
                "configuration options, or use another state file"
            )
        skipped = 0
        if self.timeline is None:
            skipped = int(expect_scalar(state, "skipped_windows", np.int64, self))
            if skipped < 0:
                raise StateMismatchError("MachineWatch: state entry 'skipped_windows' is negative; reset the state")
            state.pop("skipped_windows")
        load_parts_state(self._group(), state, self)
        self.skipped_windows = skipped

    @staticmethod
    def config_in(state: Mapping[str, Any], name: str) -> MaintenanceConfig:
        """The configuration stored in a loaded state (``name`` names it in errors)."""
        saved = state.get("config")
        if not isinstance(saved, str):
            raise StateMismatchError(f"{name}: not a maintenance state (no configuration entry)")
        return MaintenanceConfig.from_json(saved)

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        config: MaintenanceConfig | None = None,
        policy: WritePolicy | None = None,
    ) -> Persistent:
        """Open (or create with ``config``) a persisted watch in a state file.

        An existing file supplies its own configuration; passing a different one
        raises :class:`StateMismatchError`.

        Examples
        --------
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "m.ea")
        >>> MachineWatch.open(path, MaintenanceConfig.telemetry(learn_windows=50)).close()
        >>> MachineWatch.open(path).config.learn_windows
        50
        """
        store = FileStore(path)
        state = store.load()
        if state is not None:
            stored = cls.config_in(state, str(path))
            if config is not None and config != stored:
                raise StateMismatchError(
                    f"{path}: holds a watch with another configuration; drop the configuration options "
                    "or use another state file"
                )
            config = stored
        elif config is None:
            raise InputError(f"{path}: no state yet; give a configuration to create it")
        return persist(cls(config), store, policy)
