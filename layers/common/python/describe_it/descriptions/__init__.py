"""Saved descriptions (spec §5.4): one row per image description in both languages, owned by a learner."""
