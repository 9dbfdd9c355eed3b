"""Bilingual description generation (spec §5.1–5.3): the route's pipeline, its cache and its jobs."""
