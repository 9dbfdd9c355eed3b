"""The es↔en glossary and the offline language toolkit (issue 10, spec §6.1, §7, §8).

Everything here is deterministic. ``glossary`` and ``collation`` use the standard library only; the
modules that need word frequencies (``wordfreq``) or lemmas (``simplemma``) import those packages inside
their functions, because they live in the AI/language layer and cost seconds and ~150 MB on first use.
"""
