"""``edgeadapt wakeword plot``: each label's score over time of a file, the threshold and the detections.

The scores are the ones ``listen`` computes: the same embeddings (the recording padded and
fed to the streaming front end in 80 ms chunks, :meth:`WakeWord.stream_embeddings`), the
same windows and the same scorer (:meth:`WakeWord.score_traces`), and the detections are
those of ``listen --no-learn`` on the same state. Windows that the negative evidence
vetoed are drawn at the veto score. Needs matplotlib (the ``plot`` extra); the figure is
written to a file (PNG, SVG or PDF by its extension), never shown, so it works headless.

Examples
--------
>>> import numpy as np
>>> from edgeadapt.apps.wakeword import WakeWord
>>> t = score_timeline(WakeWord(), np.zeros(16000, np.int16))
>>> t["scores"], round(float(t["seconds"]), 1)
({}, 1.0)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...errors import InputError, missing_extra

__all__ = ["score_timeline", "plot_timeline", "FORMATS"]

FIGURE_INCHES = (10.0, 4.0)
FIGURE_DPI = 120
#: Image formats written (matplotlib's, chosen by the file's extension).
FORMATS = (".png", ".svg", ".pdf")


def score_timeline(ww: Any, pcm: np.ndarray) -> dict[str, Any]:
    """Per-label score of every window of ``pcm`` (16 kHz int16) with the window end times, and the detections.

    Parameters
    ----------
    ww : WakeWord
        The detector (it is run in memory: call on a read-only copy, as the CLI does).
    pcm : numpy.ndarray
        The recording, mono int16 at 16 kHz.

    Returns
    -------
    dict
        ``time`` (end of each window, seconds from the recording's first sample), ``scores``
        (label to an array aligned with ``time``), ``detections`` (:class:`Detection` list),
        ``threshold`` and ``seconds`` (the recording's length).
    """
    from ...embed.speech import EMBEDDING_HOP_SAMPLES, EMBEDDING_WINDOW_SAMPLES, SAMPLE_RATE
    from .templates import sliding_windows

    seconds = pcm.size / SAMPLE_RATE
    if not ww.labels:
        return {"time": np.zeros(0), "scores": {}, "detections": [], "threshold": ww.threshold, "seconds": seconds}
    frames = ww.stream_embeddings(pcm)
    windows = sliding_windows(frames, ww.window_frames)
    pad = (ww.window_frames - 1) * EMBEDDING_HOP_SAMPLES   # as process() pads a stream's start
    last = np.arange(windows.shape[0]) + ww.window_frames - 1   # embedding that ends each window
    time = (last * EMBEDDING_HOP_SAMPLES + EMBEDDING_WINDOW_SAMPLES - pad) / SAMPLE_RATE
    scores = ww.score_traces(windows)
    detections = ww.listen_embeddings(frames)
    return {"time": time, "scores": scores, "detections": detections, "threshold": ww.threshold,
            "seconds": seconds}


def plot_timeline(timeline: dict[str, Any], output: str, title: str = "") -> None:
    """Draw ``timeline`` (from :func:`score_timeline`) into the image file ``output``."""
    import os

    if os.path.splitext(output)[1].lower() not in FORMATS:
        raise InputError(f"{output}: the image format is chosen by the extension; use one of {', '.join(FORMATS)}")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ModuleNotFoundError:
        raise missing_extra("matplotlib", "plot", "wakeword plot") from None
    fig, ax = plt.subplots(figsize=FIGURE_INCHES, dpi=FIGURE_DPI)
    try:
        inside = (timeline["time"] >= 0) & (timeline["time"] <= timeline["seconds"] + 1.0)
        for label, trace in sorted(timeline["scores"].items()):
            ax.plot(timeline["time"][inside], np.asarray(trace)[inside], label=label, linewidth=1.0)
        ax.axhline(timeline["threshold"], color="black", linestyle="--", linewidth=0.8, label="threshold")
        for k, det in enumerate(timeline["detections"]):
            ax.axvline(det.time, color="red", alpha=0.6, linewidth=1.2, label="detection" if k == 0 else None)
        ax.set_xlabel("seconds (end of the scored window)")
        ax.set_ylabel("score")
        ax.set_xlim(0.0, max(float(timeline["seconds"]), 1e-3))
        ax.set_title(title)
        ax.legend(loc="upper right", fontsize="small")
        fig.tight_layout()
        try:
            fig.savefig(output)
        except OSError as e:
            raise InputError(f"{output}: cannot write the figure ({e.strerror or e}); choose a writable path") from None
    finally:
        plt.close(fig)
