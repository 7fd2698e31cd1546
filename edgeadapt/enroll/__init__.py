"""Nearest-neighbour enrollment over embeddings."""
