"""AI providers: what the generation routes and the ``describe_language`` task use.

- ``provider``: the port (``AiProvider``: ``describe_image`` and ``generate_json``) and its types;
- ``factory.provider_for(key)``: Claude with a key, the offline provider locally without one, 503 in AWS;
- ``keys``: which key (``userApiKey`` → stored → server), sealed through the workflow;
- ``claude``, ``offline``: the two providers; ``prompts``, ``text``: what is asked and how answers are cut;
- ``errors``: failures as API errors that also name their workflow task error;
- ``budget``: the server key's daily tokens; ``limits``: the per-user hourly and daily request limits;
- ``usage``: token accounting, cost and the per-call record;
- ``describe_task``: the Step Functions task that describes one image in one language.

``anthropic`` and Pillow are imported inside the functions that use them, never by importing these
modules (the import budgets check it).
"""
