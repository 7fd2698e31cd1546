"""Summation-form learners: exact incremental updates, mergeable with ``+=``."""
