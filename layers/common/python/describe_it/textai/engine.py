"""Who answers a text request: Claude, or the offline language toolkit — decided here and only here.

The key is resolved as for descriptions (``ai.keys.resolve_key``: the body's ``userApiKey``, the user's
stored key, the server's). ``ai.factory.provider_for`` then gives Claude for a key and, without one, the
offline provider on a laptop or ``ProviderNotConfigured`` (503) in AWS. The offline provider cannot answer
free prompts, so a text route takes ``Model.offline`` as the sign to use the toolkit's own deterministic
functions instead (``language.questions``, ``language.phrases``, ``language.translate``).

The ``ai-text`` class (hourly and daily) is charged by ``Model.charge``, just before the first model
call: cache hits and offline answers are free (spec §2.3).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import SecretStr

from describe_it.identity import Principal

if TYPE_CHECKING:
    from describe_it.ai.provider import AiProvider, Deadline
    from describe_it.runtime.rate_limit import Decision

# Spec §5.1's route deadline (the gateway ends every request at 30 s); model calls get what is left.
ROUTE_DEADLINE_S = 25.0


@dataclass(frozen=True)
class Model:
    """The model for one request: ``provider`` is None in offline mode."""

    provider: AiProvider | None
    own_key: bool

    @property
    def offline(self) -> bool:
        return self.provider is None

    def charge(self, principal: Principal) -> Decision:
        """One ``ai-text`` request (429 when the hour or the day is spent; fails closed)."""
        from describe_it.ai.limits import charge_ai_request

        return charge_ai_request(principal, "ai-text", own_key=self.own_key)


def choose_model(principal: Principal, user_api_key: SecretStr | None) -> Model:
    """Claude with the resolved key, or the offline toolkit (local stage without a key); 503 in AWS."""
    from describe_it.ai.factory import provider_for
    from describe_it.ai.keys import resolve_key

    key = resolve_key(user_api_key, principal.user_id)
    provider = provider_for(key)  # raises ProviderNotConfigured without a key outside the local stage
    if key is None or provider.name == "offline":
        return Model(None, own_key=False)
    return Model(provider, own_key=key.own)


def route_deadline() -> Deadline:
    from describe_it.ai.provider import Deadline

    return Deadline(time.time() + ROUTE_DEADLINE_S)


def model_name() -> str:
    """The configured Claude model: part of every cache key, known before any key is resolved."""
    from describe_it.settings import get_settings

    return get_settings().anthropic_model
