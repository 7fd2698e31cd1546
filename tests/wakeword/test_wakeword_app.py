"""The wake-word app end to end on the shipped audio, with the real models and faiss."""

from __future__ import annotations

import time

import numpy as np
import pytest
from wakeword_fixtures import keyword_segment, load_sample, noisy

from edgeadapt.apps.wakeword import DEFAULT_THRESHOLD, ENROLLED, PSEUDO, WakeWord
from edgeadapt.apps.wakeword.app import SHIFTED
from edgeadapt.apps.wakeword.app import NEAR_MISS_BAND
from edgeadapt.embed.speech import EMBEDDING_HOP_SAMPLES, SpeechEmbedder
from edgeadapt.errors import InputError, StateMismatchError
from edgeadapt.sources.wav import write_wav
from edgeadapt.state import FileStore, encode_blob

TOLERANCE = 1.2  # a detection ends within [onset, offset + TOLERANCE]


@pytest.fixture(scope="module")
def sample():
    return load_sample()


@pytest.fixture(scope="module")
def embedder():
    return SpeechEmbedder()


def matches(detections, times):
    hits = [any(on <= d.time <= off + TOLERANCE for d in detections) for on, off in times]
    false = [d for d in detections if not any(on <= d.time <= off + TOLERANCE for on, off in times)]
    return hits, false


def listen(ww, pcm):
    """A whole recording, as the CLI listens to a file: process, then flush."""
    return ww.process(pcm) + ww.end_stream()


def stream_in_chunks(ww, pcm, size):
    out = []
    for i in range(0, pcm.size, size):
        out += ww.process(pcm[i:i + size])
    return out


def test_enroll_then_detect_every_keyword_of_the_shipped_stream(sample, embedder):
    ww = WakeWord(embedder=embedder, learn=False)
    ids = ww.enroll("nova", sample["enroll"])
    assert ww.labels == ["nova"] and len(ids) >= 3
    assert {e.source for e in ww.entries()} == {ENROLLED, SHIFTED} and all(e.pinned for e in ww.entries())
    detections = stream_in_chunks(ww, sample["stream"], EMBEDDING_HOP_SAMPLES)
    hits, false = matches(detections, sample["times"])
    assert all(hits) and not false, (detections, sample["times"])
    assert all(d.label == "nova" and d.score >= ww.threshold for d in detections)
    assert all(d.start < d.time for d in detections)


def test_chunk_size_does_not_change_detections(sample, embedder):
    results = []
    for size in (EMBEDDING_HOP_SAMPLES, 4000, sample["stream"].size):
        ww = WakeWord(embedder=embedder, learn=False)
        ww.enroll("nova", sample["enroll"])
        results.append([(d.time, round(d.score, 4)) for d in stream_in_chunks(ww, sample["stream"], size)])
    assert results[0] == results[1] == results[2]


def test_state_file_round_trip(sample, embedder, tmp_path):
    path = tmp_path / "ww.ea"
    start = time.perf_counter()
    with WakeWord.open(path, embedder=embedder) as ww:
        ww.enroll("nova", sample["enroll"])
        # durable before enroll returns: the file already holds the templates
        assert FileStore(path).load()["index.vectors"].shape[0] == ww.index.size
        state = ww.state_dict()
    assert time.perf_counter() - start < 30  # a hang guard only; the timing is in bench/wakeword_cpu.py
    with WakeWord.open(path, embedder=embedder) as again:
        assert encode_blob(again.state_dict()) == encode_blob(state)
        assert again.labels == ["nova"]
        hits, false = matches(again.process(sample["stream"]), sample["times"])
        assert all(hits) and not false
    with pytest.raises(StateMismatchError):
        WakeWord.open(path, embedder=embedder, window_frames=8)


def test_several_names_and_the_margin_guard(sample, embedder):
    from edgeadapt.sources.wav import read_wav

    reversed_clips = [read_wav(p)[0][::-1].copy() for p in sample["enroll"]]
    ww = WakeWord(embedder=embedder, learn=False)
    ww.enroll("nova", sample["enroll"])
    ww.enroll("avon", reversed_clips)  # another "word": the same clips played backwards
    detections = ww.process(sample["stream"])
    hits, false = matches(detections, sample["times"])
    assert all(hits) and not false and {d.label for d in detections} == {"nova"}
    assert all(d.margin > 0 for d in detections)
    # the same clips under two names: no margin, so the guard refuses to pick one
    twins = WakeWord(embedder=embedder, learn=False, min_margin=0.05, augment=False)
    twins.enroll("a", sample["enroll"])
    twins.enroll("b", sample["enroll"])
    assert twins.process(sample["stream"]) == []
    assert twins.forget("b") > 0 and twins.labels == ["a"]
    assert len(twins.process(sample["stream"])) == len(sample["times"])


#: A keyword drowned in white noise, a near miss just under the default threshold:
#: (keyword index in the stream, noise gain); the user then repeats it a little louder
#: over the same noise (REPEAT_GAIN), a confident detection that aligns with it.
NEAR_MISS = (0, 6.8)
REPEAT_GAIN = 5.0
THRESHOLD = DEFAULT_THRESHOLD


def near_miss_audio(sample):
    rate = sample["rate"]
    i, gain = NEAR_MISS
    segment = keyword_segment(sample, i, 0.3, 0.3)
    return np.concatenate([sample["stream"][: 5 * rate], noisy(segment, gain, seed=0),
                           np.zeros(int(1.0 * rate), np.int16), noisy(segment, REPEAT_GAIN, seed=0)])


def test_near_miss_is_learned_logged_durable_and_reversible(sample, embedder, tmp_path, caplog):
    clock = [1_000_000.0]
    path = tmp_path / "ww.ea"
    audio = near_miss_audio(sample)
    # background frozen so that every pass over the audio scores the same
    with WakeWord.open(path, embedder=embedder, clock=lambda: clock[0], adapt_background=False) as ww:
        ww.enroll("nova", sample["enroll"])
        with caplog.at_level("INFO", logger="edgeadapt.wakeword"):
            before = listen(ww, audio)
        assert len(before) == 1  # only the clear keyword fires
        (event,) = ww.near_miss_log
        assert event.accepted and THRESHOLD - NEAR_MISS_BAND <= event.score < THRESHOLD
        assert event.background_match < THRESHOLD   # as a template it would not have fired on that audio
        (pseudo,) = ww.pseudo_entries()
        assert pseudo.label == "nova" and pseudo.source == PSEUDO and not pseudo.pinned
        assert pseudo.time == clock[0] and pseudo.id == event.entry_id
        assert "pseudo-labelled a near miss" in caplog.text
        assert "pseudo" in FileStore(path).load()["index.sources"]  # durable at once
        # what was learned helps: the noisy keyword now fires too
        ww.reset_stream()
        after = listen(ww, audio)
        assert len(after) == 2 and after[0].entry_id == pseudo.id
    with WakeWord.open(path, embedder=embedder, adapt_background=False) as ww:
        assert [e.id for e in ww.pseudo_entries()] == [pseudo.id] and ww.rate_limit.count == 1
        assert ww.drop([pseudo.id]) == 1
    with WakeWord.open(path, embedder=embedder, adapt_background=False) as ww:
        assert ww.pseudo_entries() == [] and all(e.source in (ENROLLED, SHIFTED) for e in ww.entries())
        assert len(listen(ww, audio)) == len(before)  # dropping undid the learning


def test_near_miss_learning_is_bounded_per_hour_and_in_total(sample, embedder):
    clock = [1_000_000.0]
    audio = near_miss_audio(sample)
    # background frozen so that every pass over the audio scores the same
    ww = WakeWord(embedder=embedder, pseudo_per_hour=1, pseudo_total=2, adapt_background=False,
                  clock=lambda: clock[0])
    ww.enroll("nova", sample["enroll"])
    ww.rate_limit.update(ww.heard_seconds - 1800.0)  # something was learned half an hour of audio ago
    listen(ww, audio)
    assert [e.accepted for e in ww.near_miss_log] == [False] and "1 per hour" in ww.near_miss_log[0].reason
    assert ww.pseudo_entries() == []
    clock[0] += 3600.0  # an hour of wall-clock time changes nothing ...
    ww.reset_stream()
    listen(ww, audio)
    assert [e.accepted for e in ww.near_miss_log] == [False, False]
    ww.heard_seconds += 3600.0  # ... an hour of audio heard does
    listen(ww, audio)
    assert [e.accepted for e in ww.near_miss_log] == [False, False, True]
    assert ww.rate_limit.count == 2
    ww.drop([e.id for e in ww.pseudo_entries()])  # undo, so that the near miss is missed again
    ww.heard_seconds += 3600.0
    ww.reset_stream()
    listen(ww, audio)
    assert [e.accepted for e in ww.near_miss_log] == [False, False, True, False]
    assert "2 in total" in ww.near_miss_log[-1].reason and ww.pseudo_entries() == []


def test_near_miss_resembling_recent_other_audio_is_declined(sample, embedder):
    ww = WakeWord(embedder=embedder)
    ww.enroll("nova", sample["enroll"])
    window = np.random.default_rng(0).standard_normal(ww.index.dim).astype(np.float32)
    assert ww.background_match(window) == -1.0  # nothing heard yet
    ww.process(sample["stream"][: 10 * sample["rate"]])
    end, heard = ww._reservoir[3]
    assert ww.background_match(heard) == pytest.approx(1.0, abs=1e-5)
    assert ww.background_match(heard, before=end) < 1.0 - 1e-3  # only windows that ended before


def test_learning_off_declines_and_changes_nothing(sample, embedder):
    ww = WakeWord(embedder=embedder, learn=False, adapt_background=False)
    ww.enroll("nova", sample["enroll"])
    size = ww.index.size
    listen(ww, near_miss_audio(sample))
    assert ww.index.size == size and [e.reason for e in ww.near_miss_log] == ["learning is off"]


def test_bad_input_is_refused(sample, embedder, tmp_path):
    ww = WakeWord(embedder=embedder)
    with pytest.raises(InputError, match="at least 3"):
        ww.enroll("nova", sample["enroll"][:2])
    with pytest.raises(InputError, match="silent"):
        ww.enroll("nova", [np.zeros(16000, np.int16)] * 3)
    with pytest.raises(InputError, match="name"):
        ww.enroll(" nova", sample["enroll"])
    ww.enroll("nova", sample["enroll"])
    with pytest.raises(InputError, match="16000"):
        ww.process(np.zeros(1600, np.int16), sample_rate=8000)
    with pytest.raises(InputError, match="NaN"):
        ww.process(np.full(1600, np.nan))
    with pytest.raises(InputError, match="dtype"):
        ww.process(np.zeros(1600, np.int32))
    with pytest.raises(InputError, match="shape"):
        ww.process_embeddings(np.zeros((3, 95), np.float32))
    with pytest.raises(InputError, match="NaN"):
        ww.process_embeddings(np.full((3, 96), np.nan, np.float32))
    with pytest.raises(FileNotFoundError):
        ww.enroll("x", [tmp_path / "missing.wav"] * 3)


def test_keyword_at_the_very_start_and_a_short_file_are_detected(sample, embedder):
    ww = WakeWord(embedder=embedder, learn=False)
    ww.enroll("nova", sample["enroll"])
    on, off = sample["times"][0]
    rate = sample["rate"]
    # the keyword starts 0.1 s into the recording, and the recording ends 0.2 s after it
    start = sample["stream"][int((on - 0.1) * rate):int((off + 0.2) * rate)]
    dets = listen(ww, start)
    assert len(dets) == 1 and dets[0].time <= (off - on) + 0.1 + TOLERANCE
    # a file shorter than one window (1.66 s) is padded, never silently skipped
    short = sample["stream"][int((on - 0.05) * rate):int((off + 0.05) * rate)]
    assert short.size < 1.66 * rate
    assert len(listen(ww, short)) == 1
    assert ww.score_clip(short)["nova"] >= ww.threshold


def test_listen_embeddings_is_process_plus_flush(sample, embedder):
    a = WakeWord(embedder=embedder)
    a.enroll("nova", sample["enroll"])
    b = WakeWord(embedder=embedder)
    b.load_state_dict(a.state_dict())
    live = stream_in_chunks(a, sample["stream"], EMBEDDING_HOP_SAMPLES) + a.end_stream()
    offline = b.listen_embeddings(b.stream_embeddings(sample["stream"]))
    assert [(d.time, d.score, d.entry_id) for d in live] == [(d.time, d.score, d.entry_id) for d in offline]
    assert encode_blob(a.state_dict()) == encode_blob(b.state_dict())


def test_an_8_khz_clip_is_resampled_in_process(sample, embedder, tmp_path):
    from edgeadapt.sources.audio import resample
    from edgeadapt.sources.wav import read_wav

    paths = []
    for i, p in enumerate(sample["enroll"]):
        pcm, rate = read_wav(p)
        paths.append(tmp_path / f"{i}.wav")
        write_wav(paths[-1], resample(pcm, rate, 8000), 8000)
    ww = WakeWord(embedder=embedder, learn=False)
    ww.enroll("nova", paths)
    hits, false = matches(listen(ww, sample["stream"]), sample["times"])
    assert all(hits) and not false
