"""Personal wake words: enrollment from a few utterances, detection, near-miss learning.

See ``docs/wakeword.md``. The command line is ``edgeadapt wakeword``.

Examples
--------
>>> from edgeadapt.apps.wakeword import WakeWord
>>> WakeWord().labels
[]
"""

from .app import DEFAULT_THRESHOLD, ENROLLED, MIN_ENROLL_CLIPS, PSEUDO, WINDOW_FRAMES, Detection, DurableEnrollment, LearnEvent, WakeWord

__all__ = ["WakeWord", "Detection", "LearnEvent", "DurableEnrollment", "DEFAULT_THRESHOLD", "WINDOW_FRAMES",
           "MIN_ENROLL_CLIPS", "ENROLLED", "PSEUDO"]
