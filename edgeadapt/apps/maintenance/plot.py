"""``edgeadapt maintenance plot``: scores, alert levels and alerts over time from a watch output.

Reads what ``maintenance watch`` wrote (its CSV, or its ``--json`` records) and draws the
score of every monitored window against time on a logarithmic axis (scores are
``-log10`` tail probabilities and span orders of magnitude), the raise and clear levels
when the state is given, and the windows in alert shaded. Needs matplotlib (the ``plot``
extra); the figure is written to a file (PNG, SVG or PDF by its extension), never shown,
so it works on a headless device.

Examples
--------
>>> import io
>>> text = "window,time,phase,score,alert,event\\n0,1.0,learning,,0,\\n1,2.0,monitoring,0.5,0,\\n2,3.0,monitoring,9.0,1,raised\\n"
>>> w = read_watch_output(io.StringIO(text), "scores.csv")
>>> w["time"].tolist(), w["score"].tolist(), w["alert"].tolist()
([2.0, 3.0], [0.5, 9.0], [False, True])
"""

from __future__ import annotations

import json
import math
from typing import IO, Any

import numpy as np

from ...errors import InputError, missing_extra

__all__ = ["read_watch_output", "plot_watch"]

# Scores below this are drawn at it on the log axis (a score of 0 is a typical window).
SCORE_FLOOR = 1e-2
FIGURE_INCHES = (10.0, 4.0)
FIGURE_DPI = 120
# Image formats written (matplotlib's, chosen by the file's extension).
FORMATS = (".png", ".svg", ".pdf")


def read_watch_output(f: IO[str], name: str) -> dict[str, np.ndarray]:
    """Monitored windows of a watch output (CSV or JSON Lines): ``time``, ``score``, ``alert``, ``event``."""
    times: list[float] = []
    scores: list[float] = []
    alerts: list[bool] = []
    events: list[str] = []
    first = f.readline()
    if not first.strip():
        raise InputError(f"{name}: empty; give the output of 'edgeadapt maintenance watch'")
    lines = [first] + f.readlines()
    as_json = first.lstrip().startswith("{")
    for k, line in enumerate(lines if as_json else lines[1:], start=1 if as_json else 2):
        if not line.strip():
            continue
        try:
            if as_json:
                r = json.loads(line)
                row = (r["phase"], r["time"], r["score"], r["alert"], r["event"])
            else:
                cells = line.rstrip("\n").split(",")
                if cells[0] == "window":  # a header repeated by an appending run
                    continue
                row = (cells[2], float(cells[1]), float(cells[3]) if cells[3] else None, cells[4] == "1", cells[5])
        except (ValueError, KeyError, IndexError, TypeError):
            raise InputError(f"{name}:{k}: not a line of 'maintenance watch' output (CSV or --json)") from None
        if row[0] != "monitoring" or row[2] is None:
            continue
        times.append(float(row[1]))
        scores.append(float(row[2]))
        alerts.append(bool(row[3]))
        events.append(str(row[4]))
    if not times:
        raise InputError(f"{name}: no monitored windows yet (still learning); plot a later watch output")
    return {"time": np.array(times), "score": np.array(scores), "alert": np.array(alerts), "event": np.array(events)}


def plot_watch(data: dict[str, np.ndarray], output: str, levels: tuple[float, float] | None = None, title: str = "") -> None:
    """Draw the scores, the levels (raise, clear) and the alerts of ``data`` into ``output``."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ModuleNotFoundError:
        raise missing_extra("matplotlib", "plot", "maintenance plot") from None
    t, score, alert = data["time"], data["score"], data["alert"]
    fig, ax = plt.subplots(figsize=FIGURE_INCHES, dpi=FIGURE_DPI)
    try:
        ax.plot(t, np.maximum(score, SCORE_FLOOR), lw=0.8, color="tab:blue", label="score (-log10 p)")
        if levels is not None:
            ax.axhline(levels[0], color="tab:red", lw=1.0, ls="--", label=f"raise {levels[0]:.1f}")
            ax.axhline(levels[1], color="tab:orange", lw=1.0, ls=":", label=f"clear {levels[1]:.1f}")
        edges = np.flatnonzero(np.diff(np.concatenate([[0], alert.astype(np.int8), [0]])))
        for k, (a, b) in enumerate(zip(edges[::2], edges[1::2])):
            ax.axvspan(t[a], t[b - 1], color="tab:red", alpha=0.15, label="alert" if k == 0 else None)
        for k, when in enumerate(t[data["event"] == "accepted"]):
            ax.axvline(when, color="tab:green", lw=1.0, label="accepted as a mode" if k == 0 else None)
        ax.set_yscale("log")
        top = max(float(np.max(score)), levels[0] if levels else 0.0, 1.0)
        ax.set_ylim(SCORE_FLOOR, 10 ** math.ceil(math.log10(top) + 0.1))
        ax.set_xlabel("time (s)")
        ax.set_ylabel("anomaly score")
        ax.set_title(title)
        ax.legend(loc="upper left", fontsize="small")
        fig.tight_layout()
        fig.savefig(output)
    finally:
        plt.close(fig)
