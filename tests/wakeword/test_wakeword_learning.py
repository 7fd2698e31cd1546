"""Self-learning that cannot poison itself, user feedback, and state that survives a restart.

The streams here are built from embeddings (``WakeWord.process_embeddings``) so that each
window's similarity to the template is known by construction; everything after the front
end (scorer, guard, labeller, the learning rule, the index) is the real code path.
"""

from __future__ import annotations

import numpy as np
import pytest

from edgeadapt.apps.wakeword import PSEUDO, WakeWord
from edgeadapt.errors import InputError

DIM, W = 96, 12
#: Frames between a near miss and what follows it: 2.5 s, inside the labeller's 2-5 s.
GAP = 31


def unit(x):
    return x / np.linalg.norm(x)


class Scene:
    """A template and streams of blocks of W frames with a chosen cosine to it."""

    def __init__(self, seed=0):
        self.rng = np.random.default_rng(seed)
        self.template = self.rng.standard_normal((W, DIM))

    def block(self, cos, noise=None):
        """W frames whose window has cosine ``cos`` with the template (given the noise)."""
        t = unit(self.template.reshape(-1))
        n = self.rng.standard_normal(W * DIM) if noise is None else noise
        n = unit(n - (n @ t) * t)
        return (cos * t + np.sqrt(1 - cos ** 2) * n).reshape(W, DIM) * np.sqrt(W * DIM)

    def quiet(self, frames):
        return self.rng.standard_normal((frames, DIM)) * 0.05

    def app(self, **config):
        ww = WakeWord(smoothing_frames=1, augment=False, adapt_background=False, **config)
        ww.background.update_many(self.rng.standard_normal((2000, DIM)))  # z-scores ~ the raw values
        ww.enroll_windows("kw", self.template.reshape(1, -1).astype(np.float32))
        return ww


def episode(scene, near, then, noise=None, then_noise=None):
    """Quiet, a near miss (cosine ``near``), quiet, a detection (cosine ``then``), quiet."""
    return np.concatenate([scene.quiet(20), scene.block(near, noise), scene.quiet(GAP - W),
                           scene.block(then, then_noise), scene.quiet(40)]).astype(np.float32)


def test_near_misses_followed_by_false_accepts_teach_nothing():
    scene = Scene(0)
    ww = scene.app()
    stream = []
    for i in range(6):
        # a near miss (0.40: in the band under 0.43), then a false accept: alternately a
        # weak one (0.46, not confident) and a confident one of other audio (0.65, whose
        # noise differs, so it does not match the near miss)
        stream.append(episode(scene, 0.40, 0.46 if i % 2 else 0.65))
    detections = ww.process_embeddings(np.concatenate(stream))
    assert len(detections) == 6  # every false accept fired
    log = ww.near_miss_log
    assert len(log) == 6 and not any(e.accepted for e in log)
    assert {e.reason.split(" (")[0] for e in log} == {
        "the confirming detection was not confident",
        "the near miss does not match the confirming utterance"}
    assert ww.pseudo_entries() == []


def test_control_a_true_repeat_is_learned():
    """The same stream with a true repeat (the same word over the same noise) does learn:
    the test above can fail."""
    scene = Scene(0)
    ww = scene.app()
    noise = scene.rng.standard_normal(W * DIM)
    ww.process_embeddings(episode(scene, 0.40, 0.65, noise=noise, then_noise=noise))
    (event,) = ww.near_miss_log
    assert event.accepted, event.reason
    assert len(ww.pseudo_entries()) == 1


def test_reject_undoes_the_pseudo_label_its_detection_taught():
    scene = Scene(1)
    ww = scene.app()
    noise = scene.rng.standard_normal(W * DIM)
    ww.process_embeddings(episode(scene, 0.40, 0.65, noise=noise, then_noise=noise))
    (pseudo,) = ww.pseudo_entries()
    what = ww.reject()  # the confirming detection was wrong after all
    assert f"undid 1 self-learned entry [{pseudo.id}]" in what
    assert ww.pseudo_entries() == [] and len(ww.hard_negatives) == 1
    assert ww.learn_log[-1].kind == "user" and "rejected" in ww.learn_log[-1].reason
    with pytest.raises(InputError, match="nothing to reject"):
        ww.reject()


def test_reject_drops_a_pseudo_entry_that_fired_and_vetoes_its_window():
    scene = Scene(2)
    ww = scene.app()
    noise = scene.rng.standard_normal(W * DIM)
    ww.process_embeddings(episode(scene, 0.40, 0.65, noise=noise, then_noise=noise))
    (pseudo,) = ww.pseudo_entries()
    # the learned window itself now fires on the pseudo entry
    again = ww.process_embeddings(np.concatenate([scene.quiet(40), scene.block(0.40, noise), scene.quiet(40)]))
    assert [d.entry_id for d in again] == [pseudo.id]
    ww.reject()
    assert ww.pseudo_entries() == []
    assert ww.process_embeddings(np.concatenate([scene.quiet(40), scene.block(0.40, noise), scene.quiet(40)])) == []


def test_enroll_add_is_refused_when_it_matches_a_rejected_detection():
    scene = Scene(3)
    ww = scene.app()
    fa = scene.block(0.6)
    assert len(ww.process_embeddings(np.concatenate([scene.quiet(20), fa, scene.quiet(30)]))) == 1
    ww.reject()
    # the hard negative now vetoes the same window
    assert ww.process_embeddings(np.concatenate([scene.quiet(20), fa, scene.quiet(30)])) == []
    assert not ww._negative_canaries("kw", fa.reshape(-1).astype(np.float32))[0]


def test_refractory_period_and_pending_near_miss_survive_a_restart(tmp_path):
    scene = Scene(4)
    path = tmp_path / "ww.ea"
    noise = scene.rng.standard_normal(W * DIM)
    with WakeWord.open(path, smoothing_frames=1, augment=False, adapt_background=False) as ww:
        ww.background.update_many(scene.rng.standard_normal((2000, DIM)))
        ww.enroll_windows("kw", scene.template.reshape(1, -1).astype(np.float32))
        assert len(ww.process_embeddings(np.concatenate([scene.quiet(20), scene.block(0.7)]))) == 1
        state = ww.state_dict()
    assert np.isfinite(state["guard.last_fire"])
    # right after the restart, a second firing block within 1.5 s is still refractory
    second = np.concatenate([scene.quiet(1), scene.block(0.7), scene.quiet(5)]).astype(np.float32)
    with WakeWord.open(path, smoothing_frames=1, augment=False, adapt_background=False) as ww:
        assert ww.process_embeddings(second) == []
    fresh = scene.app()
    assert len(fresh.process_embeddings(second)) == 1
    # a near miss, a restart, then its confirmation: learned
    with WakeWord.open(path, smoothing_frames=1, augment=False, adapt_background=False) as ww:
        ww.process_embeddings(np.concatenate([scene.quiet(40), scene.block(0.40, noise), scene.quiet(5)]))
        assert len(ww.labeller.pending) == 1
    with WakeWord.open(path, smoothing_frames=1, augment=False, adapt_background=False) as ww:
        assert len(ww.labeller.pending) == 1
        ww.process_embeddings(np.concatenate([scene.quiet(GAP - W - 5), scene.block(0.65, noise), scene.quiet(20)]))
        assert [e.accepted for e in ww.near_miss_log] == [True]
        assert ww.pseudo_entries()[0].source == PSEUDO


def test_rate_limit_counts_stream_time_not_wall_clock():
    scene = Scene(5)
    ww = scene.app(pseudo_per_hour=1)
    noise = scene.rng.standard_normal(W * DIM)
    # two true near misses within a few seconds of audio, however much wall-clock time passes
    ww.process_embeddings(episode(scene, 0.40, 0.65, noise=noise, then_noise=noise))
    other = scene.rng.standard_normal(W * DIM)
    ww.process_embeddings(episode(scene, 0.40, 0.65, noise=other, then_noise=other))
    assert [e.accepted for e in ww.near_miss_log] == [True, False]
    assert "rate limit (in stream time: 1 per hour of audio heard" in ww.near_miss_log[1].reason


#: Frames after a near miss until its labeller horizon (5 s) has surely passed.
PAST_HORIZON = 70


def test_a_near_miss_nobody_repeated_becomes_a_negative_that_vetoes_its_sound_alike():
    scene = Scene(6)
    noise = scene.rng.standard_normal(W * DIM)
    later = np.concatenate([scene.quiet(40), scene.block(0.5, noise), scene.quiet(20)]).astype(np.float32)
    control = scene.app(unconfirmed_negatives=0)
    ww = scene.app()
    for app in (control, ww):
        app.process_embeddings(np.concatenate([scene.quiet(20), scene.block(0.40, noise),
                                               scene.quiet(PAST_HORIZON)]).astype(np.float32))
    assert len(ww.unconfirmed) == 1 and len(control.unconfirmed) == 0
    # the same sound, now over the threshold: closer to the stored negative than to the template
    assert ww.process_embeddings(later) == []
    assert len(control.process_embeddings(later)) == 1     # the control fires: the test can fail
    # a near miss that a detection confirms is not a negative
    fresh = scene.app()
    fresh.process_embeddings(episode(scene, 0.40, 0.65, noise=noise, then_noise=noise))
    assert len(fresh.unconfirmed) == 0 and len(fresh.pseudo_entries()) == 1
    # forgetting the name drops its negatives too
    ww.forget("kw")
    assert len(ww.unconfirmed) == 0


def test_a_near_miss_like_an_enrolled_utterance_is_not_kept_as_a_negative():
    scene = Scene(7)
    noise = scene.rng.standard_normal(W * DIM)
    ww = scene.app()
    shifted = scene.block(0.40, noise).reshape(1, -1).astype(np.float32)
    ww.enroll_windows("kw", shifted, source="shifted")   # the enrolled utterance, a little late
    ww.process_embeddings(np.concatenate([scene.quiet(20), scene.block(0.40, noise),
                                          scene.quiet(PAST_HORIZON)]).astype(np.float32))
    assert len(ww.unconfirmed) == 0
    # another near miss (other noise) is kept: the canary is what declined the first
    ww.process_embeddings(np.concatenate([scene.quiet(20), scene.block(0.40), scene.quiet(PAST_HORIZON)]
                                         ).astype(np.float32))
    assert len(ww.unconfirmed) == 1


def test_dtw_match_scores_order_and_finds_the_shipped_keyword():
    import pathlib

    import edgeadapt
    from edgeadapt.sources.wav import read_wav

    sample = pathlib.Path(edgeadapt.__file__).parent / "data" / "wakeword"
    pcm, rate = read_wav(sample / "test_stream.wav")
    ww = WakeWord(learn=False, match="dtw")
    ww.enroll("nova", sorted(sample.glob("enroll_*.wav")))
    dets = ww.process(pcm, sample_rate=rate) + ww.end_stream()
    assert [round(d.time) for d in dets] == [8, 14, 20, 24]
    with pytest.raises(InputError, match="match must be one of"):
        WakeWord(match="euclid")
