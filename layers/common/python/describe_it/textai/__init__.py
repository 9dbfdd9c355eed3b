"""Questions, phrase extraction and translation (spec §6.1–6.2, §7, §8): the services behind the three
text routes. ``engine`` decides, in one place, whether a request is answered by Claude or by the offline
language toolkit (``describe_it.language``); each route's service validates and repairs what the model
wrote, caches it and shapes the answer.
"""
