"""Images: the hardened fetcher (spec §9.3), normalisation (§5.1, §9.2) and the demo catalogue.

Pillow is imported only inside the functions that decode or encode pixels, so a function that merely
imports this package pays nothing for it.
"""
