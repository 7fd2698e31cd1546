"""Bandit policies with ``select``/``update`` whose whole state is a few arrays."""
