"""End-to-end pipelines users start from."""
