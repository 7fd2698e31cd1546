"""Frozen feature extractors: the TFLite runner and the speech embedder.

Examples
--------
>>> from edgeadapt.embed import SpeechEmbedder, TFLiteModel, EMBEDDING_DIM
>>> EMBEDDING_DIM
96
"""

from .speech import (
    EMBEDDING_DIM,
    EMBEDDING_HOP_SAMPLES,
    EMBEDDING_HOP_SECONDS,
    EMBEDDING_WINDOW_SAMPLES,
    SAMPLE_RATE,
    SpeechEmbedder,
    SpeechStream,
    embedding_spans,
    num_embeddings,
)
from .tflite import TFLiteModel

__all__ = [
    "EMBEDDING_DIM",
    "EMBEDDING_HOP_SAMPLES",
    "EMBEDDING_HOP_SECONDS",
    "EMBEDDING_WINDOW_SAMPLES",
    "SAMPLE_RATE",
    "SpeechEmbedder",
    "SpeechStream",
    "TFLiteModel",
    "embedding_spans",
    "num_embeddings",
]
