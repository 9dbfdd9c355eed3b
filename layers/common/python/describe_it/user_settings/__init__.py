"""User settings (spec §14.1–14.2): a sparse JSON document per user, deep-merged with defaults."""
