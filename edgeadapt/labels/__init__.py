"""Pseudo-label heuristics: they propose labels, the caller applies them."""
