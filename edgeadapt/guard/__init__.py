"""Guard rails on outputs and updates. Import the modules by their full path.

- :mod:`edgeadapt.guard.detection`: threshold, minimum margin, debounce and refractory
  period on detections (:class:`~edgeadapt.guard.detection.DetectionGuard`), and a
  rate limit on self-learning (:class:`~edgeadapt.guard.detection.RateLimit`).

Examples
--------
>>> from edgeadapt.guard.detection import RateLimit
>>> RateLimit(per_hour=1, total=1).allows(0.0)
True
"""
