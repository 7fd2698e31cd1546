"""C learners and policies follow the Python update rules: same decisions, same states, both ways.

In the style of emlearn's equivalence tests, but for updates: the same input sequence goes to
the Python class and to the C component (``ea_run``, a host harness fed a script on stdin,
built with ASan/UBSan; a subprocess rather than ctypes, so the sanitizers run without
preloading and a C crash fails one test instead of the interpreter). States are compared
after the run through the blob each side writes, and each side continues from the other's
blob. Integer state (counts of the int8 path, generator words) must be bit-exact; float
state is bit-exact where the C code does numpy's operations in numpy's order (moments,
ridge, class sums, bandit sums) and within ``FLOAT_RTOL`` where numpy reorders a sum
(covariance's outer products are exact too, but the NCM distance is an einsum).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from edgeadapt.bandit import UCB1, EpsilonGreedy
from edgeadapt.learn.moments import Covariance, Moments
from edgeadapt.learn.prototype import NearestClassMean
from edgeadapt.learn.ridge import Ridge
from edgeadapt.state import decode_blob, encode_blob

ROOT = Path(__file__).resolve().parents[2]
SANITIZE = "-fsanitize=address,undefined -fno-sanitize-recover=all"
# Relative tolerance of float states where summation order may differ (a few ulps of 1e-16
# accumulated over the sequences below, with a margin).
FLOAT_RTOL = 1e-12
STEPS = 300


@pytest.fixture(scope="module")
def ea_run(tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("fw-learn")
    out = subprocess.run(
        ["make", "-C", str(ROOT / "firmware"), f"BUILD={out_dir}", f"SANITIZE={SANITIZE}"], capture_output=True, text=True
    )
    assert out.returncode == 0, f"the C library does not build:\n{out.stdout}\n{out.stderr}"
    return out_dir / "ea_run"


def c_run(tool, args, lines, ok=True):
    """Output lines of ``ea_run ARGS`` fed ``lines``; with ok=False it must stop with an error (exit 2)."""
    out = subprocess.run([str(tool), *map(str, args)], input="\n".join(lines) + "\n", capture_output=True, text=True)
    assert out.returncode == (0 if ok else 2), out.stdout[-500:] + out.stderr[-2000:]
    return out.stdout.split("\n")[:-1]


def nums(values):
    return " ".join(float(v).hex() for v in np.asarray(values, dtype=np.float64).reshape(-1))


def same_state(c_state, py_state, exact=True):
    assert sorted(c_state) == sorted(py_state)
    for name, value in py_state.items():
        a, b = np.asarray(c_state[name]), np.asarray(value)
        assert a.dtype == b.dtype and a.shape == b.shape, name
        if exact or a.dtype.kind != "f":
            assert np.array_equal(a, b), (name, a, b)
        else:
            np.testing.assert_allclose(a, b, rtol=FLOAT_RTOL, atol=0, err_msg=name)


def samples(seed, n, dim):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, dim)) * 3.0 + 1.0
    w = rng.choice([1.0, 0.5, 2.0, 0.0], size=n)
    return X, w


@pytest.mark.parametrize("forgetting", [None, 0.99])
def test_moments_and_merge_bit_exact_both_ways(ea_run, tmp_path, forgetting):
    X, w = samples(1, STEPS, 3)
    py, other = Moments(3, forgetting=forgetting), Moments(3, forgetting=forgetting)
    half = STEPS // 2
    for x, wi in zip(X[:half], w[:half]):
        py.update(x, wi)
    for x, wi in zip(X[half:], w[half:]):
        other.update(x, wi)
    (tmp_path / "start.blob").write_bytes(encode_blob(py.state_dict()))
    (tmp_path / "other.blob").write_bytes(encode_blob(other.state_dict()))
    lines = [f"u {nums([wi])} {nums(x)}" for x, wi in zip(X[:half], w[:half])]
    c_run(ea_run, ["moments", 3, forgetting or 0.0], lines + [f"save {tmp_path / 'c.blob'}"])
    same_state(decode_blob((tmp_path / "c.blob").read_bytes()), py.state_dict())
    # C continues from Python's state and merges another Python state
    c_run(ea_run, ["moments", 3, forgetting or 0.0], [f"load {tmp_path / 'start.blob'}", f"merge {tmp_path / 'other.blob'}",
                                                       f"save {tmp_path / 'm.blob'}"])
    py += other
    same_state(decode_blob((tmp_path / "m.blob").read_bytes()), py.state_dict())
    back = Moments(3, forgetting=forgetting)
    back.load_state_dict(decode_blob((tmp_path / "m.blob").read_bytes()))  # Python loads C's blob


def test_covariance_both_ways(ea_run, tmp_path):
    X, w = samples(2, STEPS, 3)
    py, other = Covariance(3), Covariance(3)
    for x, wi in zip(X, w):
        py.update(x, wi)
        other.update(x[::-1].copy(), 1.0)
    (tmp_path / "other.blob").write_bytes(encode_blob(other.state_dict()))
    lines = [f"u {nums([wi])} {nums(x)}" for x, wi in zip(X, w)]
    c_run(ea_run, ["cov", 3, 0.0], lines + [f"save {tmp_path / 'c.blob'}", f"merge {tmp_path / 'other.blob'}",
                                            f"save {tmp_path / 'm.blob'}"])
    same_state(decode_blob((tmp_path / "c.blob").read_bytes()), py.state_dict(), exact=False)
    py += other
    same_state(decode_blob((tmp_path / "m.blob").read_bytes()), py.state_dict(), exact=False)
    Covariance(3).load_state_dict(decode_blob((tmp_path / "m.blob").read_bytes()))


@pytest.mark.parametrize("forgetting", [None, 0.98])
@pytest.mark.parametrize("intercept", [False, True])
def test_ridge_statistics(ea_run, tmp_path, forgetting, intercept):
    X, w = samples(3, STEPS, 4)
    y = X @ np.array([1.0, -2.0, 0.5, 3.0]) + 0.25
    py = Ridge(4, forgetting=forgetting, fit_intercept=intercept)
    lines = []
    for x, yi, wi in zip(X, y, w):
        py.update(x, yi, wi)
        lines.append(f"u {nums([wi, yi])} {nums(x)}")
    c_run(ea_run, ["ridge", 4, forgetting or 0.0, int(intercept)], lines + [f"save {tmp_path / 'c.blob'}"])
    same_state(decode_blob((tmp_path / "c.blob").read_bytes()), py.state_dict())


def test_ncm_decisions_and_state_both_ways(ea_run, tmp_path):
    X, w = samples(4, STEPS, 5)
    labels = np.random.default_rng(5).integers(0, 3, size=STEPS)
    py = NearestClassMean(5, 3)
    lines, expected = [], []
    for i, (x, k, wi) in enumerate(zip(X, labels, w)):
        if i == STEPS // 2:
            assert py.add_class() == 3
            lines.append("add")
            expected.append("3")
        k = int(k) if i < STEPS // 2 else int(k) + 1
        if i > 0 and (py.counts() > 0).any():
            lines.append(f"p {nums(x)}")
            expected.append(py.predict(x))
        py.update(x, k, wi)
        lines.append(f"u {k} {nums([wi])} {nums(x)}")
    (tmp_path / "start.blob").write_bytes(encode_blob(NearestClassMean(5, 3).state_dict()))
    out = c_run(ea_run, ["ncm", 5, 3, 8], [f"load {tmp_path / 'start.blob'}"] + lines + [f"save {tmp_path / 'c.blob'}"])
    got = [line if line == "3" and e == "3" else int(line.split()[0]) for line, e in zip(out, expected)]
    assert got == expected
    same_state(decode_blob((tmp_path / "c.blob").read_bytes()), py.state_dict())
    NearestClassMean(5, 4).load_state_dict(decode_blob((tmp_path / "c.blob").read_bytes()))


def q8_reference(dim, metric, script):
    """The int8 path in numpy integers: the C code must match it bit for bit."""
    sums, counts, out = [], [], []
    def protos():
        s, c = np.array(sums, dtype=np.int64), np.array(counts, dtype=np.int64)[:, None]
        m = np.sign(s) * ((np.abs(s) + c // 2) // c)
        return np.clip(m, -128, 127).astype(np.int8)
    for op, arg in script:
        if op == "e":
            sums.append(np.asarray(arg, dtype=np.int64).copy()); counts.append(1); out.append(len(sums) - 1)
        elif op == "u":
            k, x = arg
            sums[k] = sums[k] + x; counts[k] += 1
        else:
            P = protos().astype(np.int64)
            x = np.asarray(arg, dtype=np.int64)
            if metric == 0:
                d = ((P - x) ** 2).sum(axis=1)
                out.append(int(np.argmin(d)))
            else:
                dot = P @ x
                norm = (P * P).sum(axis=1)
                key = [float("-inf") if n == 0 else (int(a) * abs(int(a))) / int(n) for a, n in zip(dot, norm)]
                out.append(int(np.argmax(key)))
    state = {"counts": np.array(counts, dtype=np.int32), "protos": protos(), "sums": np.array(sums, dtype=np.int32)}
    return out, state


@pytest.mark.parametrize("metric", [0, 1], ids=["l2", "cosine"])
def test_int8_ncm_enroll_classify_bit_exact(ea_run, tmp_path, metric):
    dim, rng = 96, np.random.default_rng(6 + metric)
    centers = rng.integers(-100, 100, size=(8, dim))
    script, lines = [], []
    for i in range(200):
        k = int(rng.integers(0, 8))
        x = np.clip(centers[k] + rng.integers(-30, 30, size=dim), -128, 127)
        n_enrolled = sum(1 for op, _ in script if op == "e")
        if k >= n_enrolled:
            script.append(("e", x)); lines.append("e " + " ".join(map(str, x)))
        elif i % 3 == 0:
            script.append(("u", (k, x))); lines.append(f"u {k} " + " ".join(map(str, x)))
        else:
            script.append(("p", x)); lines.append("p " + " ".join(map(str, x)))
    expected, state = q8_reference(dim, metric, script)
    out = c_run(ea_run, ["q8", dim, 32, metric], lines + [f"save {tmp_path / 'c.blob'}"])
    assert [int(line.split()[0]) for line in out] == expected
    same_state(decode_blob((tmp_path / "c.blob").read_bytes()), state)


def reward(arm, t):
    return float(((arm * 7 + t * 13) % 10) / 10.0 + (0.3 if arm == 2 else 0.0))


@pytest.mark.parametrize("kind", ["ucb1", "egreedy"])
def test_bandit_decisions_and_state_bit_exact(ea_run, tmp_path, kind):
    py = UCB1(n_arms=4, seed=3) if kind == "ucb1" else EpsilonGreedy(n_arms=4, epsilon=0.3, seed=3)
    (tmp_path / "start.blob").write_bytes(encode_blob(py.state_dict()))
    lines, expected = [f"load {tmp_path / 'start.blob'}"], []
    for t in range(STEPS):  # egreedy draws up to 2 uniforms a step: crosses the 256-uniform block
        if t == 100:
            py.retire_arm(1); lines.append("retire 1")
        if t == 150:
            expected.append(str(py.add_arm())); lines.append("add")
        arm = py.select()
        expected.append(str(arm))
        r = reward(arm, t)
        py.update(arm, r)
        lines += ["s", f"u {arm} {r.hex()}"]
    param = 1.0 if kind == "ucb1" else 0.3
    out = c_run(ea_run, [kind, 4, 8, param], lines + [f"save {tmp_path / 'c.blob'}"])
    assert out == expected
    same_state(decode_blob((tmp_path / "c.blob").read_bytes()), py.state_dict())
    # Python continues from C's blob, C from Python's: the same next decisions
    back = UCB1(n_arms=4) if kind == "ucb1" else EpsilonGreedy(n_arms=4, epsilon=0.3)
    back.load_state_dict(decode_blob((tmp_path / "c.blob").read_bytes()))
    (tmp_path / "py.blob").write_bytes(encode_blob(py.state_dict()))
    nxt = c_run(ea_run, [kind, 4, 8, param], [f"load {tmp_path / 'py.blob'}"] + ["s"] * 20)
    assert nxt == [str(back.select()) for _ in range(20)]
