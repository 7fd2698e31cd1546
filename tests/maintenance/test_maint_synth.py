import numpy as np
import pytest

from edgeadapt.apps.maintenance import synth
from edgeadapt.errors import InputError

SR = 8000.0


def _spectrum(x):
    x = x - x.mean()
    p = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
    return np.fft.rfftfreq(len(x), 1 / SR), p


def _envelope_spectrum(x):
    # band-pass around the resonance by FFT masking, then the spectrum of |analytic|
    n = len(x)
    spec = np.fft.fft(x - x.mean())
    f = np.fft.fftfreq(n, 1 / SR)
    spec[(f <= 0)] = 0
    analytic = np.fft.ifft(spec * 2)
    env = np.abs(analytic)
    return _spectrum(env)


def test_blocks_compose_any_span_identically(machine):
    f = synth.Fault("inner", onset=1.0, growth=2.0)
    whole = synth.vibration(machine, 12.0, SR, seed=4, fault=f)
    part = synth.vibration(machine, 3.3, SR, seed=4, fault=f, start=5.2)
    a = int(round(5.2 * SR))
    assert np.array_equal(part, whole[a : a + len(part)])


def test_machines_differ_and_faults_only_add_after_onset(machine):
    other = synth.MachineSpec.random(seed=12)
    assert machine.shaft_hz != other.shaft_hz
    f = synth.Fault("looseness", onset=2.0, growth=1.0)
    normal = synth.vibration(machine, 4.0, SR, seed=1)
    faulty = synth.vibration(machine, 4.0, SR, seed=1, fault=f)
    cut = int(2.0 * SR)
    assert np.array_equal(normal[:cut], faulty[:cut])
    assert np.abs(faulty[cut:] - normal[cut:]).mean() > 0.01


def test_outer_race_defect_shows_at_bpfo_in_the_envelope(machine):
    f = synth.Fault("outer", onset=0.0, growth=1.0, severity_start=1.0, severity_end=1.0)
    x = synth.vibration(machine, 8.0, SR, seed=2, fault=f)[:, 0]
    freqs, p = _envelope_spectrum(x)
    band = (freqs > 0.5 * machine.bpfo()) & (freqs < 1.5 * machine.bpfo())
    peak = freqs[band][np.argmax(p[band])]
    assert abs(peak - machine.bpfo()) < 0.03 * machine.bpfo()


def test_inner_race_defect_is_modulated_at_shaft_speed(machine):
    f = synth.Fault("inner", onset=0.0, growth=1.0, severity_start=1.0, severity_end=1.0)
    x = synth.vibration(machine, 8.0, SR, seed=2, fault=f)[:, 0]
    freqs, p = _envelope_spectrum(x)
    def level(fr):
        return p[np.abs(freqs - fr) < 0.5].max()
    floor = np.median(p[(freqs > 5) & (freqs < 2 * machine.bpfi())])
    assert level(machine.bpfi()) > 20 * floor
    assert level(machine.bpfi() - machine.shaft_hz) > 5 * floor  # sideband from the 1x modulation


def test_imbalance_raises_1x_in_quadrature_on_radial_axes(machine):
    f = synth.Fault("imbalance", onset=0.0, growth=1.0, severity_start=1.0, severity_end=1.0)
    normal = synth.vibration(machine, 4.0, SR, seed=2)
    faulty = synth.vibration(machine, 4.0, SR, seed=2, fault=f)
    freqs, pn = _spectrum(normal[:, 0])
    _, pf = _spectrum(faulty[:, 0])
    k = np.argmin(np.abs(freqs - machine.shaft_hz))
    assert pf[k - 2 : k + 3].max() > 3 * pn[k - 2 : k + 3].max()
    d = faulty - normal
    assert abs(np.corrcoef(d[:, 0], d[:, 1])[0, 1]) < 0.1  # sine and cosine
    assert np.abs(d[:, 2]).max() < 1e-6  # the axial axis is untouched


def test_looseness_adds_many_harmonics(machine):
    f = synth.Fault("looseness", onset=0.0, growth=1.0, severity_start=1.0, severity_end=1.0)
    d = synth.vibration(machine, 4.0, SR, seed=2, fault=f) - synth.vibration(machine, 4.0, SR, seed=2)
    freqs, p = _spectrum(d[:, 0])
    peaks = [p[np.abs(freqs - h * machine.shaft_hz) < 1.0].max() for h in range(1, 8)]
    assert min(peaks) > 1e-3 * max(peaks) > 0


def test_fault_severity_grows_and_unknown_kinds_fail(machine):
    f = synth.Fault("outer", onset=1.0, growth=10.0, severity_start=0.1, severity_end=1.0)
    s = f.severity(np.array([0.5, 1.0, 6.0, 11.0, 20.0]))
    assert s[0] == 0 and np.all(np.diff(s[1:4]) > 0) and s[-1] == 1.0
    with pytest.raises(InputError, match="unknown"):
        synth.vibration(machine, 0.1, SR, seed=0, fault=synth.Fault("crack", 0.0, 1.0))


def test_telemetry_incidents_change_only_their_interval():
    day = 86400.0
    inc = [synth.Incident("step", 1.0 * day, 3600.0, 4.0)]
    t, base = synth.telemetry(2, seed=5)
    t2, v = synth.telemetry(2, seed=5, incidents=inc)
    rel = t - t[0]
    on = (rel >= day) & (rel < day + 3600)
    np.testing.assert_allclose(v[on] - base[on], 4.0)
    assert np.array_equal(v[~on], base[~on])
