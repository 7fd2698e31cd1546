import numpy as np
import pytest

from edgeadapt.errors import InputError
from edgeadapt.features import Framer, TelemetryFeatures, VibrationFeatures, frames, log_bands


def test_framer_matches_frames_for_any_chunking():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1000, 2))
    whole = frames(x, size=64, hop=24)
    for cuts in ([1000], [1, 2, 3, 994], [63, 1, 500, 436], list(np.full(100, 10))):
        f = Framer(size=64, hop=24)
        parts, start = [], 0
        for c in cuts:
            parts.append(f.push(x[start : start + c]))
            start += c
        got = np.concatenate(parts)
        assert np.array_equal(got, whole)


def test_framer_hop_larger_than_window_skips_samples():
    x = np.arange(20.0)[:, None]
    f = Framer(size=3, hop=5)
    got = np.concatenate([f.push(x[:4]), f.push(x[4:11]), f.push(x[11:])])
    assert got[:, 0, 0].tolist() == [0.0, 5.0, 10.0, 15.0]


def test_rows_for_gives_exactly_the_rows_that_complete_windows():
    f = Framer(size=10, hop=4)
    f.push(np.zeros((7, 1)))
    need = f.rows_for(3)
    assert len(f.push(np.zeros((need - 1, 1)))) == 2
    assert len(f.push(np.zeros((1, 1)))) == 1


def test_vibration_statistics_match_direct_formulas():
    rng = np.random.default_rng(1)
    w = rng.standard_t(df=5, size=(4, 2048, 3)) + 7.0  # offset is removed
    f = VibrationFeatures(sample_rate=8000.0, log=False, bands=(0, 1000, 4000))
    got = f.transform(w).reshape(4, 3, -1)
    x = w - w.mean(axis=1, keepdims=True)
    rms = np.sqrt((x**2).mean(axis=1))
    peak = np.abs(x).max(axis=1)
    kurt = (x**4).mean(axis=1) / rms**4
    np.testing.assert_allclose(got[:, :, 0], rms, rtol=1e-5)
    np.testing.assert_allclose(got[:, :, 1], peak, rtol=1e-5)
    np.testing.assert_allclose(got[:, :, 2], peak / rms, rtol=1e-5)
    np.testing.assert_allclose(got[:, :, 3], kurt, rtol=1e-4)


def test_band_energies_locate_tones_and_sum_to_the_tapered_power():
    sr, n = 10000.0, 4096
    t = np.arange(n) / sr
    x = np.stack([np.sin(2 * np.pi * 60 * t), np.sin(2 * np.pi * 3000 * t)], axis=1)[None]
    f = VibrationFeatures(sr, bands=(0, 100, 1000, 5000), statistics=(), log=False)
    e = f.transform(x).reshape(2, 3)
    assert e[0].argmax() == 0 and e[1].argmax() == 2
    tapered = (x[0] - x[0].mean(0)) * np.hanning(n)[:, None]
    power = np.abs(np.fft.rfft(tapered, axis=0)) ** 2 / n
    np.testing.assert_allclose(e.sum(axis=1), power.sum(axis=0), rtol=1e-4)


def test_log_features_are_finite_on_a_silent_channel():
    f = VibrationFeatures(1000.0)
    out = f.transform(np.zeros((2, 256, 1)))
    assert np.all(np.isfinite(out))


@pytest.mark.parametrize(
    "kwargs, windows, message",
    [
        ({"bands": (0, 1, 2)}, np.zeros((1, 64, 1)), "holds no spectral bin"),
        ({"bands": (0, 900)}, np.zeros((1, 64, 1)), "Nyquist"),
        ({"statistics": ("skew",)}, np.zeros((1, 64, 1)), "unknown"),
        ({}, np.zeros((64, 1)), "shape (windows, samples, channels)"),
        ({"bands": (0, 100, 500)}, np.full((1, 64, 1), np.nan), "NaN"),
    ],
)
def test_vibration_features_reject_bad_input(kwargs, windows, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        VibrationFeatures(1000.0, **kwargs).transform(windows)


def test_log_bands_cover_zero_to_nyquist():
    edges = log_bands(10000.0)
    assert edges[0] == 10.0 and edges[-1] == 5000.0 and np.all(np.diff(edges) > 0)


def test_telemetry_features_match_a_loop():
    rng = np.random.default_rng(2)
    t = np.cumsum(rng.uniform(200, 400, 50))
    v = rng.normal(size=50).cumsum()
    f = TelemetryFeatures(scales=(1, 5))
    w = frames(np.stack([t, v], 1), f.window_size(), 1)
    got = f.transform(w)
    for i, row in enumerate(got):
        tt, vv = w[i, :, 0], w[i, :, 1]
        want = [vv[-1]]
        for k in (1, 5):
            want += [(vv[-1] - vv[-1 - k]) / (tt[-1] - tt[-1 - k]) * 3600, vv[-1] - vv[-1 - k :].mean()]
        want.append(np.diff(vv).std())
        np.testing.assert_allclose(row, want, rtol=1e-9, atol=1e-12)


def test_telemetry_features_reject_non_increasing_time():
    w = np.array([[[0.0, 1.0], [0.0, 2.0]]])
    with pytest.raises(InputError, match="strictly increasing"):
        TelemetryFeatures(scales=(1,)).transform(w)


def test_transform_leaves_its_input_untouched():
    w = np.random.default_rng(3).normal(size=(2, 256, 1)).astype(np.float32) + 5.0
    before = w.copy()
    VibrationFeatures(1000.0).transform(w)
    assert np.array_equal(w, before)
