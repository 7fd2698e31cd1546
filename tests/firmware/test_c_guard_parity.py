"""C guards and bootstrap Thompson sampling follow the Python rules: same decisions, same states, both ways.

The same streams go to the Python class and to the C component through ``ea_run`` (the
host harness of test_c_learn_parity.py, built with ASan/UBSan). The guards' and the
sampler's states hold integers and exact sums of doubles, so they must agree bit for bit;
each side then continues from the other's blob.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from edgeadapt.bandit import UCB1, BootstrapThompson, EpsilonGreedy
from edgeadapt.bandit.base import NoArmAvailableError
from edgeadapt.guard.alerts import AlertGuard
from edgeadapt.guard.detection import DetectionGuard
from edgeadapt.state import decode_blob, encode_blob

from test_c_learn_parity import c_run, ea_run, reward, same_state  # noqa: F401 - ea_run is a fixture

STEPS = 400


def detection_stream(seed):
    """Frames with labels that change, runs, gaps, ties with the runner-up and silence."""
    rng = np.random.default_rng(seed)
    t, frames = 0.0, []
    for _ in range(STEPS):
        t += float(rng.choice([0.02, 0.08, 0.3, 1.1]))
        label = [None, "a", "b", "é"][int(rng.choice(4, p=[0.1, 0.5, 0.3, 0.1]))]
        score = float(np.round(rng.uniform(0.3, 1.0), 2))
        runner = float(np.round(score - rng.choice([0.0, 0.05, 0.2, 0.5]), 2)) if rng.random() < 0.8 else -math.inf
        frames.append((t, label, score, runner))
    return frames


@pytest.mark.parametrize("params", [(0.6, 0.1, 2, 1.0), (0.5, 0.0, 1, 0.5), (0.7, 0.05, 3, 2.0)],
                         ids=["debounce2", "defaults", "debounce3"])
def test_detection_guard_decisions_and_state(ea_run, tmp_path, params):
    threshold, margin, debounce, refractory = params
    py = DetectionGuard(threshold, margin, debounce, refractory)
    lines, expected = [], []
    for i, (t, label, score, runner) in enumerate(detection_stream(debounce)):
        if i == STEPS // 2:  # save and reload mid-stream on both sides: a restart keeps the guard
            lines += [f"save {tmp_path / 'mid.blob'}", f"load {tmp_path / 'mid.blob'}"]
            py.load_state_dict(decode_blob(encode_blob(py.state_dict())))
        expected.append(str(int(py.process(t, label, score, runner_up=runner))))
        lines.append(f"g {t.hex()} {score.hex()} {runner.hex() if runner > -math.inf else '-inf'} {label or ''}".rstrip())
    args = ["dguard", threshold, margin, debounce, refractory]
    out = c_run(ea_run, args, lines + [f"save {tmp_path / 'c.blob'}"])
    assert out == expected and "1" in expected and "0" in expected
    same_state(decode_blob((tmp_path / "c.blob").read_bytes()), py.state_dict())
    # Python continues from C's blob and C from Python's: the same next decisions
    (tmp_path / "py.blob").write_bytes(encode_blob(py.state_dict()))
    back = DetectionGuard(threshold, margin, debounce, refractory)
    back.load_state_dict(decode_blob((tmp_path / "c.blob").read_bytes()))
    tail = detection_stream(99)[:50]
    t0 = py.state_dict()["last_fire"]
    tail = [(t + float(t0) if math.isfinite(t0) else t, lab, s, r) for t, lab, s, r in tail]
    lines = [f"g {t.hex()} {s.hex()} {r.hex() if r > -math.inf else '-inf'} {lab or ''}".rstrip() for t, lab, s, r in tail]
    nxt = c_run(ea_run, args, [f"load {tmp_path / 'py.blob'}"] + lines)
    assert nxt == [str(int(back.process(t, lab, s, runner_up=r))) for t, lab, s, r in tail]


def test_detection_guard_refuses_what_python_refuses(ea_run, tmp_path):
    py = DetectionGuard(0.5)
    py.process(1.0, "a", 0.9)
    (tmp_path / "py.blob").write_bytes(encode_blob(py.state_dict()))
    out = c_run(ea_run, ["dguard", 0.5, 0.0, 1, 1.0], [f"load {tmp_path / 'py.blob'}", "g nan 0.9 0.0 a"], ok=False)
    assert out[-1].startswith("error -1 ")
    damaged = dict(py.state_dict(), run=np.int64(-1))
    (tmp_path / "bad.blob").write_bytes(encode_blob(damaged))
    out = c_run(ea_run, ["dguard", 0.5, 0.0, 1, 1.0], [f"load {tmp_path / 'bad.blob'}"], ok=False)
    assert out[-1].startswith("error -6 ")  # EA_ERR_FORMAT; Python raises StateMismatchError


def alert_scores(seed):
    rng = np.random.default_rng(seed)
    # bursts above on, dips between off and on (hysteresis), single spikes, quiet stretches
    parts = []
    for _ in range(60):
        kind = rng.integers(0, 4)
        n = int(rng.integers(1, 8))
        level = [0.9, 0.4, 0.1, 0.55][kind]
        parts.append(np.round(level + rng.uniform(-0.08, 0.08, size=n), 3))
    return np.concatenate(parts)


@pytest.mark.parametrize("params", [(0.5, 0.3, 2, 2), (0.5, None, 1, 0), (0.6, 0.2, 3, 5)],
                         ids=["hysteresis", "defaults", "long-refractory"])
def test_alert_guard_events_and_state(ea_run, tmp_path, params):
    on, off, min_duration, refractory = params
    py = AlertGuard(on, off, min_duration, refractory)
    scores = alert_scores(min_duration)
    lines, expected = [], []
    for i, s in enumerate(scores):
        if i == 100:
            py.clear(); lines.append("clear")
        if i == len(scores) // 2:
            lines += [f"save {tmp_path / 'mid.blob'}", f"load {tmp_path / 'mid.blob'}"]
        py.update(float(s))
        expected.append(f"{py.state_dict()['event']} {int(py.active)}")
        lines.append(f"g {float(s).hex()}")
    args = ["aguard", on, "none" if off is None else off, min_duration, refractory]
    out = c_run(ea_run, args, lines + [f"save {tmp_path / 'c.blob'}"])
    assert out == expected and py.alerts > 3
    same_state(decode_blob((tmp_path / "c.blob").read_bytes()), py.state_dict())
    # the vectorized update_many of Python and C's step by step agree too, from each other's blobs
    (tmp_path / "py.blob").write_bytes(encode_blob(py.state_dict()))
    back = AlertGuard(on, off, min_duration, refractory)
    back.load_state_dict(decode_blob((tmp_path / "c.blob").read_bytes()))
    tail = alert_scores(7)
    back.update_many(tail)
    nxt = c_run(ea_run, args, [f"load {tmp_path / 'py.blob'}"] + [f"g {float(s).hex()}" for s in tail])
    assert [int(line.split()[1]) for line in nxt] == back.history[0].astype(int).tolist()
    assert [int(line.split()[0]) for line in nxt] == back.history[1].tolist()


def allowed_sets(t, n_arms):
    """Every fifth step an allowed subset (sometimes one arm, sometimes only retired ones)."""
    if t % 5:
        return None
    chosen = [[0], [1, 3], [2, 3, 4], [1], list(range(n_arms))][(t // 5) % 5]
    return [a for a in chosen if a < n_arms]


@pytest.mark.parametrize("kind", ["ucb1", "egreedy", "bts"])
def test_policies_with_allowed_sets_bit_exact(ea_run, tmp_path, kind):
    if kind == "ucb1":
        py, args = UCB1(n_arms=4, seed=5), ["ucb1", 4, 8, 1.0]
    elif kind == "egreedy":
        py, args = EpsilonGreedy(n_arms=4, epsilon=0.3, seed=5), ["egreedy", 4, 8, 0.3]
    else:
        py, args = BootstrapThompson(n_arms=4, n_replicates=12, prior_reward=1.0, prior_weight=0.5, seed=5), \
            ["bts", 4, 8, 12, 1.0, 0.5]
    (tmp_path / "start.blob").write_bytes(encode_blob(py.state_dict()))
    lines, expected = [f"load {tmp_path / 'start.blob'}"], []
    for t in range(STEPS):  # up to 2 uniforms a step: crosses the 256-uniform blocks
        if t == 100:
            py.retire_arm(1); lines.append("retire 1")
        if t == 150:
            expected.append(str(py.add_arm())); lines.append("add")
        allowed = allowed_sets(t, py.n_arms)
        lines.append("s" + ("" if allowed is None else " " + " ".join(map(str, allowed))))
        try:
            arm = py.select(allowed=allowed)
        except NoArmAvailableError:
            expected.append("none")
            continue
        expected.append(str(arm))
        r = reward(arm, t)
        py.update(arm, r)
        lines.append(f"u {arm} {r.hex()}")
    out = c_run(ea_run, args, lines + [f"save {tmp_path / 'c.blob'}"])
    assert out == expected and "none" in expected
    same_state(decode_blob((tmp_path / "c.blob").read_bytes()), py.state_dict())
    back = type(py)(n_arms=4) if kind != "bts" else BootstrapThompson(4, n_replicates=12, prior_weight=0.5)
    if kind == "egreedy":
        back = EpsilonGreedy(n_arms=4, epsilon=0.3)
    back.load_state_dict(decode_blob((tmp_path / "c.blob").read_bytes()))
    (tmp_path / "py.blob").write_bytes(encode_blob(py.state_dict()))
    nxt = c_run(ea_run, args, [f"load {tmp_path / 'py.blob'}"] + ["s"] * 30)
    assert nxt == [str(back.select()) for _ in range(30)]
