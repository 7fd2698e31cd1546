"""One machine's watch: configuration, features, monitor and resume position in one state.

:class:`MachineWatch` is what ``edgeadapt maintenance learn|watch`` persists: it takes
raw sensor rows, cuts them into windows, computes features, runs the
:class:`~.monitor.Monitor`, and advances a :class:`Cursor` that records how many rows
of the current input have been consumed into finished windows. The configuration is
stored in the state as JSON, so a state file is enough to resume, and a state is never
loaded into a watch with another configuration.

Examples
--------
>>> import numpy as np
>>> cfg = MaintenanceConfig.telemetry(scales=(1, 3), learn_windows=40)
>>> watch = MachineWatch(cfg)
>>> t = np.arange(100) * 300.0
>>> v = 20 + np.random.default_rng(0).normal(0, 0.1, 100)
>>> watch.update_many(np.stack([t, v], axis=1))
>>> watch.monitor.windows, watch.cursor.rows, watch.monitor.scorer.phase
(97, 97, 'monitoring')
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from ...errors import InputError, StateMismatchError
from ...core.protocol import Stateful, mutator
from ...features import Framer, TelemetryFeatures, VibrationFeatures
from ...features.telemetry import DEFAULT_SCALES
from ...features.vibration import STATISTICS
from ...guard.alerts import AlertGuard
from ...state import FileStore, Persistent, WritePolicy, persist
from ...core.protocol import load_parts_state, parts_state, expect_keys, expect_scalar
from .baseline import DEFAULT_SHRINKAGE, DEFAULT_SLOW_THRESHOLD_SIGMAS, DEFAULT_THRESHOLD_SIGMAS, BaselineScorer
from .slow import DEFAULT_GROUP
from .monitor import DEFAULT_ADAPT_EVERY, DEFAULT_ADAPT_SIGMAS, DEFAULT_ADAPT_WEIGHT, AdaptationLimiter, Monitor, WindowResults

__all__ = ["MaintenanceConfig", "Cursor", "MachineWatch", "VIBRATION", "TELEMETRY", "STDIN"]

VIBRATION = "vibration"
TELEMETRY = "telemetry"
STDIN = "-"
DEFAULT_WINDOW = 4096
DEFAULT_TELEMETRY_PERIOD_S = 300.0
# Alert guard defaults, in windows and score units.
DEFAULT_ON = 0.5
DEFAULT_OFF = 0.3
DEFAULT_MIN_DURATION = 3
DEFAULT_REFRACTORY = 20
# Telemetry features (rates and residuals of noisy, spiky series) have heavier tails
# than vibration features: their alert threshold sits further out.
TELEMETRY_THRESHOLD_SIGMAS = 6.0
# Slow adaptation of vibration baselines: at most one window per minute of signal.
VIBRATION_ADAPT_PERIOD_S = 60.0


@dataclass(frozen=True)
class MaintenanceConfig:
    """Everything that defines a watch; stored with its state.

    Build it with :meth:`vibration` or :meth:`telemetry`. Durations of the alert guard
    (``min_duration``, ``refractory``), of adaptation (``adapt_every``) and of the
    slow scale (``group``, 0 for none; vibration uses ``DEFAULT_GROUP``) are in windows.
    """

    kind: str
    channels: tuple[str, ...]
    window: int
    hop: int
    learn_windows: int
    sample_rate: float = 0.0
    bands: tuple[float, ...] | None = None
    statistics: tuple[str, ...] = STATISTICS
    scales: tuple[int, ...] = DEFAULT_SCALES
    threshold_sigmas: float = DEFAULT_THRESHOLD_SIGMAS
    shrinkage: float = DEFAULT_SHRINKAGE
    on: float = DEFAULT_ON
    off: float = DEFAULT_OFF
    min_duration: int = DEFAULT_MIN_DURATION
    refractory: int = DEFAULT_REFRACTORY
    adapt_every: int = DEFAULT_ADAPT_EVERY
    adapt_sigmas: float = DEFAULT_ADAPT_SIGMAS
    adapt_weight: float = DEFAULT_ADAPT_WEIGHT
    group: int = 0
    slow_threshold_sigmas: float = DEFAULT_SLOW_THRESHOLD_SIGMAS

    @classmethod
    def vibration(
        cls,
        sample_rate: float,
        channels: Sequence[str],
        window: int = DEFAULT_WINDOW,
        hop: int | None = None,
        learn_windows: int | None = None,
        learn_seconds: float | None = None,
        **options: Any,
    ) -> "MaintenanceConfig":
        """Configuration for multichannel vibration sampled at ``sample_rate``.

        ``hop`` defaults to half a window. Give the learning period either as
        ``learn_windows`` or as ``learn_seconds`` of signal. ``adapt_every``
        defaults to one window per ``VIBRATION_ADAPT_PERIOD_S`` of signal.

        Examples
        --------
        >>> MaintenanceConfig.vibration(10000.0, ["x", "y", "z"], learn_seconds=60).learn_windows
        293
        """
        hop = int(window) // 2 if hop is None else int(hop)
        if not float(sample_rate) > 0:
            raise InputError(f"sample_rate must be positive samples per second, got {sample_rate}")
        learn = _learn_windows(learn_windows, learn_seconds, hop / float(sample_rate))
        options.setdefault("group", DEFAULT_GROUP)
        options.setdefault("adapt_every", max(int(round(VIBRATION_ADAPT_PERIOD_S * float(sample_rate) / hop)), 1))
        cfg = cls(VIBRATION, tuple(channels), int(window), hop, learn, sample_rate=float(sample_rate), **options)
        cfg.check()
        return cfg

    @classmethod
    def telemetry(
        cls,
        scales: Sequence[int] = DEFAULT_SCALES,
        learn_windows: int | None = None,
        learn_seconds: float | None = None,
        period: float = DEFAULT_TELEMETRY_PERIOD_S,
        name: str = "value",
        **options: Any,
    ) -> "MaintenanceConfig":
        """Configuration for slow ``timestamp,value`` telemetry (one window per row).

        ``learn_seconds`` is converted to rows with the nominal ``period`` between rows;
        ``threshold_sigmas`` defaults to ``TELEMETRY_THRESHOLD_SIGMAS``.

        Examples
        --------
        >>> MaintenanceConfig.telemetry(learn_seconds=86400).learn_windows
        288
        """
        scales = tuple(int(k) for k in scales)
        learn = _learn_windows(learn_windows, learn_seconds, float(period))
        options.setdefault("threshold_sigmas", TELEMETRY_THRESHOLD_SIGMAS)
        window = max(scales) + 1 if scales else 0
        cfg = cls(TELEMETRY, (name,), window, 1, learn, scales=scales, **options)
        cfg.check()
        return cfg

    def check(self) -> None:
        """Raise :class:`InputError` if the configuration cannot work."""
        if self.kind not in (VIBRATION, TELEMETRY):
            raise InputError(f"kind must be {VIBRATION!r} or {TELEMETRY!r}, got {self.kind!r}")
        if not self.channels:
            raise InputError("give at least one channel name")
        if self.window < 1 or self.hop < 1:
            raise InputError(f"window ({self.window}) and hop ({self.hop}) must be positive numbers of rows")
        self.make_monitor()
        features = self.make_features()
        if isinstance(features, VibrationFeatures):
            features.check_window(self.window)

    def dim(self) -> int:
        """Features per window."""
        features = self.make_features()
        if isinstance(features, VibrationFeatures):
            return len(self.channels) * features.features_per_channel()
        return len(features.feature_names())

    def make_features(self) -> VibrationFeatures | TelemetryFeatures:
        """The feature extractor."""
        if self.kind == VIBRATION:
            return VibrationFeatures(self.sample_rate, self.bands, self.statistics)
        return TelemetryFeatures(self.scales)

    def make_monitor(self) -> Monitor:
        """A new monitor in the learning phase."""
        blocks = len(self.channels) if self.kind == VIBRATION else 1
        scorer = BaselineScorer(
            self.dim(), self.learn_windows, blocks, self.threshold_sigmas, self.shrinkage, self.group, self.slow_threshold_sigmas
        )
        guard = AlertGuard(self.on, self.off, self.min_duration, self.refractory)
        guard._levels()
        return Monitor(scorer, guard, AdaptationLimiter(self.adapt_every), self.adapt_sigmas, self.adapt_weight)

    def to_json(self) -> str:
        """Canonical JSON text (sorted keys).

        Examples
        --------
        >>> cfg = MaintenanceConfig.telemetry(learn_windows=50)
        >>> MaintenanceConfig.from_json(cfg.to_json()) == cfg
        True
        """
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "MaintenanceConfig":
        """Read :meth:`to_json` output."""
        try:
            raw = json.loads(text)
            for key in ("channels", "statistics", "scales"):
                raw[key] = tuple(raw[key])
            if raw.get("bands") is not None:
                raw["bands"] = tuple(raw["bands"])
            return cls(**raw)
        except (ValueError, TypeError, KeyError) as exc:
            raise StateMismatchError(f"maintenance configuration in the state is unreadable ({exc}); reset the state") from exc


def _learn_windows(windows: int | None, seconds: float | None, seconds_per_window: float) -> int:
    if (windows is None) == (seconds is None):
        raise InputError("give the learning period as exactly one of learn_windows or learn_seconds")
    if windows is None:
        windows = int(round(float(seconds) / seconds_per_window))
    return int(windows)




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

    @mutator
    def seek(self, source: str) -> None:
        """Start reading ``source``: keep the position if it is the input read before (not stdin)."""
        source = str(source)
        if source != self.source or source == STDIN:
            self.source, self.rows = source, 0

    @mutator
    def update(self, rows: int) -> None:
        """``rows`` more rows are done."""
        self.rows += int(rows)

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


class MachineWatch(Stateful):
    """Raw sensor rows in, per-window scores and alerts out, all state in one blob.

    Parameters
    ----------
    config : MaintenanceConfig

    Attributes
    ----------
    monitor : Monitor
    cursor : Cursor
    results : WindowResults
        Outcome of the last :meth:`update_many`, with :attr:`times`.
    times : numpy.ndarray
        Time of the end of each window of the last call: seconds since the start of
        the input for vibration, the newest timestamp for telemetry.
    """

    def __init__(self, config: MaintenanceConfig) -> None:
        self.config = config
        self.features = config.make_features()
        self.monitor = config.make_monitor()
        self.cursor = Cursor()
        self.framer = Framer(config.window, config.hop)
        self.times = np.empty(0)

    @property
    def results(self) -> WindowResults:
        """Outcome of the last call, window by window."""
        return self.monitor.results

    @mutator
    def seek(self, source: str) -> None:
        """Start reading an input (a path, or ``"-"`` for stdin); see :class:`Cursor`."""
        self.cursor.seek(source)
        self.framer = Framer(self.config.window, self.config.hop)

    def skip_rows(self) -> int:
        """Rows of the current input to skip when it is opened again."""
        return 0 if self.cursor.source == STDIN else self.cursor.rows

    def rows_to_learn(self) -> int:
        """Input rows still needed to finish the learning period (0 once monitoring)."""
        return self.framer.rows_for(self.monitor.scorer.remaining())

    def _windows(self, rows: Any) -> tuple[np.ndarray, np.ndarray]:
        rows = np.asarray(rows, dtype=np.float64)
        width = 2 if self.config.kind == TELEMETRY else len(self.config.channels)
        if rows.ndim != 2 or rows.shape[1] != width:
            raise InputError(f"MachineWatch: rows must have shape (n, {width}), got {rows.shape}")
        windows = self.framer.push(rows)
        n = len(windows)
        feats = self.features.transform(windows) if n else np.empty((0, self.config.dim()))
        if self.config.kind == TELEMETRY:
            self.times = windows[:, -1, 0].copy()
        else:
            ends = self.cursor.rows + np.arange(n) * self.config.hop + self.config.window
            self.times = ends / self.config.sample_rate
        return windows, feats

    @mutator
    def update_many(self, rows: Any) -> None:
        """Feed consecutive rows: (n, channels) samples, or (n, 2) ``timestamp, value`` for telemetry."""
        windows, feats = self._windows(rows)
        self.monitor.update_many(feats)
        self.cursor.update(len(windows) * self.config.hop)

    @mutator
    def extend(self, rows: Any) -> None:
        """Add every complete window of ``rows`` to the baseline as normal running.

        Use it to extend a baseline with more data known to be normal (the learning
        period and calibration do not change; alerts and adaptation are untouched).
        """
        windows, feats = self._windows(rows)
        self.monitor.scorer.baseline.update_many(feats)
        self.cursor.update(len(windows) * self.config.hop)

    def __iadd__(self, other: "MachineWatch") -> "MachineWatch":
        """Merge the baseline and calibration of another watch with the same configuration.

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

    def state_dict(self) -> dict[str, Any]:
        """Configuration (JSON), monitor and cursor."""
        state = parts_state({"monitor": self.monitor, "cursor": self.cursor})
        state["config"] = self.config.to_json()
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
        load_parts_state({"monitor": self.monitor, "cursor": self.cursor}, state, self)

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
            saved = state.get("config")
            if not isinstance(saved, str):
                raise StateMismatchError(f"{path}: not a maintenance state (no configuration entry)")
            stored = MaintenanceConfig.from_json(saved)
            if config is not None and config != stored:
                raise StateMismatchError(
                    f"{path}: holds a watch with another configuration; drop the configuration options "
                    "or use another state file"
                )
            config = stored
        elif config is None:
            raise InputError(f"{path}: no state yet; give a configuration to create it")
        return persist(cls(config), store, policy)
