"""Personal wake words: enrollment from a few utterances, detection, near-miss learning.

See ``docs/wakeword.md``. The command line is ``edgeadapt wakeword``.

Examples
--------
>>> from edgeadapt.apps.wakeword import WakeWord
>>> WakeWord().labels
[]
"""

from typing import TYPE_CHECKING

from ..._lazy import lazy_package

if TYPE_CHECKING:  # imported on first use (edgeadapt._lazy): `edgeadapt --help` loads no numpy
    from .app import DEFAULT_THRESHOLD, ENROLLED, MIN_ENROLL_CLIPS, PSEUDO, WINDOW_FRAMES, Detection, DurableEnrollment, LearnEvent, WakeWord

__all__ = ["WakeWord", "Detection", "LearnEvent", "DurableEnrollment", "DEFAULT_THRESHOLD", "WINDOW_FRAMES",
           "MIN_ENROLL_CLIPS", "ENROLLED", "PSEUDO"]
lazy_package(__name__, {name: ".app" for name in __all__})
