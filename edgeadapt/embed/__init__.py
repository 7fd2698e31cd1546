"""Frozen feature extractors: the TFLite runner and the speech embedder."""
