"""Nearest-neighbour enrollment over embeddings.

:class:`EnrollmentIndex` holds labelled vectors searched by cosine similarity (faiss),
with a capacity and an eviction policy; :class:`BackgroundNormalizer` maps embeddings to
z-scores against background statistics learned on the device.

Examples
--------
>>> from edgeadapt.enroll import EnrollmentIndex
>>> EnrollmentIndex(dim=4).size
0
"""

from .index import EVICTION_POLICIES, EnrollmentIndex, Entry
from .normalize import BackgroundNormalizer, FrozenNormalization

__all__ = ["EnrollmentIndex", "Entry", "EVICTION_POLICIES", "BackgroundNormalizer", "FrozenNormalization"]
