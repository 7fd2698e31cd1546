"""Synthetic machines: vibration with physical faults and slow telemetry with incidents.

Vibration of a rotating machine, 3 axes (two radial, one axial), made of:

- shaft harmonics (1x, 2x, 3x) with machine-specific amplitudes and phases, a slow
  speed wobble and load variation;
- broadband noise shaped by the machine's structural resonance;
- optional faults that start at ``onset`` and grow from ``severity_start`` to
  ``severity_end`` (relative to the machine's normal RMS):

  * ``"outer"``: outer-race bearing defect, impulses at BPFO exciting the resonance;
  * ``"inner"``: inner-race defect, impulses at BPFI amplitude-modulated at 1x as the
    defect passes through the load zone;
  * ``"imbalance"``: a 1x rotating force, in quadrature on the radial axes;
  * ``"looseness"``: many harmonics and half harmonics of 1x with clipping.

Everything is vectorized and computed block by block on fixed sample blocks, so any
part of a long stream can be generated alone and is identical to the same part of
the whole stream.

Examples
--------
>>> m = MachineSpec.random(seed=3)
>>> x = vibration(m, seconds=1.0, sample_rate=5000.0, seed=0)
>>> x.shape, x.dtype
((5000, 3), dtype('float32'))
>>> bool(np.array_equal(x[2000:3000], vibration(m, 0.2, 5000.0, seed=0, start=0.4)))
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

import numpy as np

from ...errors import InputError

__all__ = [
    "MachineSpec",
    "Fault",
    "FAULT_KINDS",
    "vibration",
    "vibration_blocks",
    "Incident",
    "telemetry",
    "INCIDENT_KINDS",
    "write_vibration_csv",
    "write_telemetry_csv",
]

FAULT_KINDS = ("outer", "inner", "imbalance", "looseness")
BLOCK = 1 << 15  # samples per generation block
NOISE_TAPS = 96  # length of the resonance filter shaping the broadband noise
IMPULSE_TAPS = 384  # length of one bearing impact's ringing
WOBBLE_PERIOD_S = 47.0  # slow shaft-speed wobble
WOBBLE_DEPTH = 0.004
LOAD_PERIOD_S = 173.0  # slow load variation of the harmonic amplitudes
LOAD_DEPTH = 0.08
SLIP_JITTER = 0.01  # relative jitter of bearing impact times (rolling-element slip)
LOOSENESS_HARMONICS = 10
LOOSENESS_CLIP = 2.5  # clipping level of looseness, in units of severity


@dataclass(frozen=True)
class MachineSpec:
    """A rotating machine's normal vibration signature.

    Attributes
    ----------
    shaft_hz : float
        Shaft speed in revolutions per second.
    harmonics : numpy.ndarray, shape (3, 3)
        Amplitude of 1x, 2x, 3x (rows) on each axis (columns).
    phases : numpy.ndarray, shape (3, 3)
    resonance_hz, damping : float
        Structural resonance (frequency, damping ratio).
    noise : numpy.ndarray, shape (3,)
        Broadband noise level per axis.
    balls, ball_ratio : int, float
        Rolling elements and ball-to-pitch diameter ratio (defect frequencies).
    """

    shaft_hz: float
    harmonics: np.ndarray = field(repr=False)
    phases: np.ndarray = field(repr=False)
    resonance_hz: float
    damping: float
    noise: np.ndarray = field(repr=False)
    balls: int
    ball_ratio: float

    @classmethod
    def random(cls, seed: int) -> "MachineSpec":
        """A plausible machine drawn from ``seed`` (shaft 15-50 Hz, resonance 1.5-4 kHz).

        Examples
        --------
        >>> m = MachineSpec.random(seed=0)
        >>> 15 <= m.shaft_hz <= 50 and m.bpfo() < m.bpfi()
        True
        """
        rng = np.random.default_rng(seed)
        return cls(
            shaft_hz=float(rng.uniform(15.0, 50.0)),
            harmonics=rng.uniform(0.2, 1.0, (3, 3)) * np.array([[1.0], [0.5], [0.25]]) * np.array([1.0, 0.8, 0.4]),
            phases=rng.uniform(0, 2 * np.pi, (3, 3)),
            resonance_hz=float(rng.uniform(1500.0, 4000.0)),
            damping=float(rng.uniform(0.03, 0.08)),
            noise=rng.uniform(0.15, 0.35, 3),
            balls=int(rng.integers(7, 13)),
            ball_ratio=float(rng.uniform(0.15, 0.3)),
        )

    def bpfo(self) -> float:
        """Ball pass frequency of the outer race, Hz."""
        return self.balls / 2.0 * self.shaft_hz * (1.0 - self.ball_ratio)

    def bpfi(self) -> float:
        """Ball pass frequency of the inner race, Hz."""
        return self.balls / 2.0 * self.shaft_hz * (1.0 + self.ball_ratio)


@dataclass(frozen=True)
class Fault:
    """A fault starting at ``onset`` seconds and growing to full severity over ``growth`` seconds.

    Severity is relative to the machine's normal RMS; it grows as
    ``start + (end - start) * (elapsed / growth) ** exponent``.

    Examples
    --------
    >>> f = Fault("imbalance", onset=10.0, growth=100.0, severity_start=0.1, severity_end=1.1, exponent=1.0)
    >>> f.severity(np.array([5.0, 10.0, 60.0, 500.0])).tolist()
    [0.0, 0.1, 0.6, 1.1]
    """

    kind: str
    onset: float
    growth: float
    severity_start: float = 0.05
    severity_end: float = 1.0
    exponent: float = 2.0

    def severity(self, t: np.ndarray) -> np.ndarray:
        """Severity at times ``t`` (0 before onset)."""
        if self.kind not in FAULT_KINDS:
            raise InputError(f"fault kind {self.kind!r} is unknown; choose among {list(FAULT_KINDS)}")
        frac = np.clip((t - self.onset) / max(self.growth, 1e-9), 0.0, 1.0)
        s = self.severity_start + (self.severity_end - self.severity_start) * frac**self.exponent
        return np.where(t >= self.onset, s, 0.0)


def _resonance_kernel(m: MachineSpec, sample_rate: float, taps: int) -> np.ndarray:
    t = np.arange(taps) / sample_rate
    w = 2 * np.pi * m.resonance_hz
    k = np.exp(-m.damping * w * t) * np.sin(w * np.sqrt(1 - m.damping**2) * t)
    return k / np.sqrt(np.sum(k**2))


def _convolve_tail(x: np.ndarray, kernel: np.ndarray, keep: int) -> np.ndarray:
    """Full linear convolution of columns of ``x`` with ``kernel``; the last ``keep`` rows."""
    n = len(x) + len(kernel) - 1
    size = 1 << int(np.ceil(np.log2(n)))
    out = np.fft.irfft(np.fft.rfft(x, size, axis=0) * np.fft.rfft(kernel, size)[:, None], size, axis=0)
    return out[len(x) - keep : len(x)]


def _white(seed: int, block: int, shape: tuple[int, int]) -> np.ndarray:
    return np.random.default_rng([seed, block]).standard_normal(shape)


def _shaft_phase(m: MachineSpec, t: np.ndarray) -> np.ndarray:
    # revolutions turned at time t, with a slow speed wobble
    wob = WOBBLE_DEPTH * WOBBLE_PERIOD_S / (2 * np.pi)
    return m.shaft_hz * (t - wob * np.cos(2 * np.pi * t / WOBBLE_PERIOD_S))


def _impacts(rate: float, t0: float, t1: float, seed: int) -> np.ndarray:
    """Times in [t0, t1) of bearing impacts at ``rate`` per second with deterministic slip jitter."""
    k = np.arange(np.floor(t0 * rate) - 1, np.ceil(t1 * rate) + 1)
    jitter = np.sin(k * 12.9898 + seed * 78.233) * 43758.5453
    jitter = (jitter - np.floor(jitter) - 0.5) * 2 * SLIP_JITTER
    times = (k + jitter) / rate
    return times[(times >= t0) & (times < t1)]


def _block(m: MachineSpec, b: int, sample_rate: float, seed: int, fault: Fault | None) -> np.ndarray:
    idx = np.arange(b * BLOCK, (b + 1) * BLOCK)
    t = idx / sample_rate
    rev = _shaft_phase(m, t)
    load = 1.0 + LOAD_DEPTH * np.sin(2 * np.pi * t / LOAD_PERIOD_S + m.phases[0, 0])
    out = np.zeros((BLOCK, 3))
    for h in range(3):
        out += np.sin(2 * np.pi * (h + 1) * rev[:, None] + m.phases[h]) * m.harmonics[h]
    out *= load[:, None]
    kernel = _resonance_kernel(m, sample_rate, NOISE_TAPS)
    prev = _white(seed, b - 1, (BLOCK, 3))[-(NOISE_TAPS - 1) :] if b > 0 else np.zeros((NOISE_TAPS - 1, 3))
    white = np.concatenate([prev, _white(seed, b, (BLOCK, 3))])
    out += _convolve_tail(white, kernel, BLOCK) * m.noise
    if fault is not None:
        out += _fault(m, fault, t, rev, sample_rate, seed)
    return out


def _normal_rms(m: MachineSpec) -> float:
    return float(np.sqrt(np.sum(m.harmonics**2) / 2 / 3 + np.mean(m.noise**2)))


def _fault(m: MachineSpec, fault: Fault, t: np.ndarray, rev: np.ndarray, sample_rate: float, seed: int) -> np.ndarray:
    sev = fault.severity(t) * _normal_rms(m)
    out = np.zeros((len(t), 3))
    if not np.any(sev > 0):
        return out
    if fault.kind in ("outer", "inner"):
        rate = m.bpfo() if fault.kind == "outer" else m.bpfi()
        lead = IMPULSE_TAPS / sample_rate
        times = _impacts(rate, t[0] - lead, t[-1] + 1.0 / sample_rate, seed)
        train = np.zeros(len(t) + IMPULSE_TAPS - 1)
        pos = np.round((times - t[0]) * sample_rate).astype(np.int64) + IMPULSE_TAPS - 1
        ok = (pos >= 0) & (pos < len(train))
        amp = fault.severity(times[ok]) * _normal_rms(m)
        if fault.kind == "inner":  # defect passes through the load zone once per revolution
            amp = amp * (0.5 + 0.5 * np.cos(2 * np.pi * _shaft_phase(m, times[ok])))
        np.add.at(train, pos[ok], amp * np.sqrt(sample_rate / rate))
        ring = _convolve_tail(train[:, None], _resonance_kernel(m, sample_rate, IMPULSE_TAPS), len(t))[:, 0]
        out += ring[:, None] * np.array([1.0, 0.7, 0.4])
    elif fault.kind == "imbalance":
        ang = 2 * np.pi * rev + m.phases[0, 0]
        out[:, 0] += sev * np.sin(ang) * np.sqrt(2)
        out[:, 1] += sev * np.cos(ang) * np.sqrt(2)
    else:  # looseness
        wave = np.zeros(len(t))
        for h in range(1, LOOSENESS_HARMONICS + 1):
            wave += np.sin(2 * np.pi * h * rev + h * 1.3) / h
            wave += 0.5 * np.sin(2 * np.pi * (h - 0.5) * rev + h * 0.7) / h
        wave = np.clip(wave, -LOOSENESS_CLIP / 2, LOOSENESS_CLIP)
        out += (sev * wave)[:, None] * np.array([1.0, 0.6, 0.3])
    return out


def vibration_blocks(
    machine: MachineSpec,
    seconds: float,
    sample_rate: float,
    seed: int,
    fault: Fault | None = None,
    start: float = 0.0,
) -> Iterator[np.ndarray]:
    """Yield consecutive float32 chunks (samples, 3) covering ``[start, start + seconds)``.

    Examples
    --------
    >>> m = MachineSpec.random(seed=1)
    >>> sum(len(c) for c in vibration_blocks(m, 2.0, 40000.0, seed=0))
    80000
    """
    if not (sample_rate > 0 and seconds >= 0 and start >= 0):
        raise InputError(f"need sample_rate > 0, seconds >= 0 and start >= 0, got {sample_rate}, {seconds}, {start}")
    first = int(round(start * sample_rate))
    last = first + int(round(seconds * sample_rate))
    for b in range(first // BLOCK, (last - 1) // BLOCK + 1 if last > first else first // BLOCK):
        lo, hi = max(first, b * BLOCK), min(last, (b + 1) * BLOCK)
        yield _block(machine, b, sample_rate, seed, fault)[lo - b * BLOCK : hi - b * BLOCK].astype(np.float32)


def vibration(
    machine: MachineSpec,
    seconds: float,
    sample_rate: float,
    seed: int,
    fault: Fault | None = None,
    start: float = 0.0,
) -> np.ndarray:
    """Vibration (samples, 3) in float32 of ``machine`` from ``start`` for ``seconds``."""
    parts = list(vibration_blocks(machine, seconds, sample_rate, seed, fault, start))
    return np.concatenate(parts) if parts else np.empty((0, 3), np.float32)


# ---------------------------------------------------------------- telemetry
INCIDENT_KINDS = ("step", "ramp", "spikes", "stuck", "noise")
SECONDS_PER_DAY = 86400.0
TELEMETRY_BASE = 45.0  # degrees C
DAILY_AMPLITUDE = 3.0
NOISE_SD = 0.15
AR_COEF = 0.8


@dataclass(frozen=True)
class Incident:
    """A labelled incident: ``kind`` from ``start`` for ``duration`` seconds with ``size``."""

    kind: str
    start: float
    duration: float
    size: float


def telemetry(
    days: float,
    seed: int,
    incidents: list[Incident] | None = None,
    period: float = 300.0,
    t0: float = 1.7e9,
) -> tuple[np.ndarray, np.ndarray]:
    """A temperature-like series sampled every ``period`` seconds, with incidents.

    Normal running: a daily cycle (machine-specific shape), a slow drift and AR(1)
    noise. Incidents (times relative to the series start):

    - ``step``: the level rises by ``size`` (a cooling fault);
    - ``ramp``: the level climbs linearly to ``size`` (a bearing heating up);
    - ``spikes``: sparse spikes of ``size`` (electrical interference);
    - ``stuck``: the sensor repeats its last value;
    - ``noise``: the noise grows ``size`` times (a loose probe).

    Returns
    -------
    (timestamps, values)
        Unix seconds from ``t0`` and float64 values.

    Examples
    --------
    >>> t, v = telemetry(days=1, seed=0)
    >>> len(t), bool(np.all(np.diff(t) == 300.0))
    (288, True)
    """
    rng = np.random.default_rng(seed)
    n = int(round(days * SECONDS_PER_DAY / period))
    rel = np.arange(n) * period
    day = 2 * np.pi * rel / SECONDS_PER_DAY
    phase, second = rng.uniform(0, 2 * np.pi), rng.uniform(0.1, 0.4)
    level = TELEMETRY_BASE + rng.uniform(-5, 5) + DAILY_AMPLITUDE * (np.sin(day + phase) + second * np.sin(2 * day + 2 * phase))
    level += rng.uniform(-0.2, 0.2) * rel / SECONDS_PER_DAY  # slow drift per day
    eps = rng.normal(0, NOISE_SD * np.sqrt(1 - AR_COEF**2), n)
    noise = np.empty(n)
    acc = 0.0
    for i in range(n):  # AR(1); n is small (288 rows a day)
        acc = AR_COEF * acc + eps[i]
        noise[i] = acc
    v = level + noise
    for inc in incidents or []:
        if inc.kind not in INCIDENT_KINDS:
            raise InputError(f"incident kind {inc.kind!r} is unknown; choose among {list(INCIDENT_KINDS)}")
        on = (rel >= inc.start) & (rel < inc.start + inc.duration)
        if inc.kind == "step":
            v[on] += inc.size
        elif inc.kind == "ramp":
            v[on] += inc.size * (rel[on] - inc.start) / inc.duration
        elif inc.kind == "spikes":
            hits = on & (rng.random(n) < 0.3)
            v[hits] += inc.size * rng.choice([-1.0, 1.0], hits.sum())
        elif inc.kind == "stuck":
            idx = np.flatnonzero(on)
            if len(idx):
                v[idx] = v[max(idx[0] - 1, 0)]
        else:
            v[on] = level[on] + noise[on] * inc.size
    return t0 + rel, v


def write_vibration_csv(path: str, x: np.ndarray, sample_rate: float, channels: tuple[str, ...] = ("x", "y", "z")) -> None:
    """Write samples in the documented vibration CSV (a ``# sample_rate=`` line, a header, rows).

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "v.csv")
    >>> write_vibration_csv(p, np.zeros((2, 3), np.float32), 1000.0)
    >>> open(p).read().splitlines()
    ['# sample_rate=1000', 'x,y,z', '0,0,0', '0,0,0']
    """
    with open(path, "w") as f:
        f.write(f"# sample_rate={sample_rate:g}\n{','.join(channels)}\n")
        np.savetxt(f, np.asarray(x), delimiter=",", fmt="%.6g")


def write_telemetry_csv(path: str, t: np.ndarray, v: np.ndarray) -> None:
    """Write ``timestamp,value`` rows with a header.

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> write_telemetry_csv(p, np.array([1.0, 301.0]), np.array([20.5, 20.25]))
    >>> open(p).read().splitlines()
    ['timestamp,value', '1,20.5', '301,20.25']
    """
    with open(path, "w") as f:
        f.write("timestamp,value\n")
        np.savetxt(f, np.stack([t, v], axis=1), delimiter=",", fmt="%.10g")
