"""Users' provider keys (spec §2.4, §14.3): store encrypted, show only ``last4``, validate cheaply.

A key never leaves this module in clear except through ``resolve_user_key`` (for the AI and image
routes) and the one provider call of ``validate``; it is never logged, echoed or put in an error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from uuid import UUID

from describe_it.apikeys import repository as repo
from describe_it.apikeys.crypto import KeyCipher, get_cipher
from describe_it.apikeys.models import (
    NAMES,
    PROVIDERS,
    ApiKeysView,
    ApiKeysWrite,
    KeyStatus,
    Provider,
    ProviderKeyState,
    RateLimitInfo,
    ValidateRequest,
    ValidateResult,
    well_formed,
)
from describe_it.db.tx import transaction
from describe_it.errors import AuthRequired, Detail, UpstreamError, UpstreamTimeout, ValidationFailed
from describe_it.identity import Principal
from describe_it.observability import logger
from describe_it.settings import Settings, get_settings

if TYPE_CHECKING:
    import httpx

    from describe_it.runtime.rate_limit import Decision

ANTHROPIC_VERSION = "2023-06-01"


def _context(user_id: UUID, provider: str) -> dict[str, str]:
    """The encryption context: a blob copied to another user's row or provider will not decrypt."""
    return {"user_id": str(user_id), "provider": provider}


class ApiKeysService:
    def __init__(self, settings: Settings, cipher: Callable[[], KeyCipher] = get_cipher) -> None:
        self._settings = settings
        self._cipher = cipher

    # --- GET / PUT / DELETE -----------------------------------------------------------------------

    def view(self, principal: Principal) -> ApiKeysView:
        user_id = _user(principal)
        with transaction("app", user_id) as conn:
            return _view(repo.states(conn, user_id))

    def save(self, principal: Principal, body: ApiKeysWrite) -> ApiKeysView:
        user_id = _user(principal)
        changes = body.changes()
        # Encrypt before the transaction: a KMS round trip should not hold a database connection.
        sealed = {
            provider: self._cipher().encrypt(key, _context(user_id, provider))
            for provider, key in changes.items()
            if key is not None
        }
        with transaction("app", user_id) as conn:
            removed = [provider for provider, key in changes.items() if key is None]
            if removed:
                repo.delete(conn, user_id, removed)
            for provider, (ciphertext, key_id) in sealed.items():
                key = changes[provider]
                assert key is not None
                repo.upsert(conn, user_id, provider, ciphertext, key_id, key[-4:])
            view = _view(repo.states(conn, user_id))
        logger.info("provider keys changed", extra={"stored": sorted(sealed), "deleted": sorted(removed)})
        return view

    def delete(self, principal: Principal, provider: Provider | None) -> ApiKeysView:
        user_id = _user(principal)
        with transaction("app", user_id) as conn:
            repo.delete(conn, user_id, [provider] if provider else list(PROVIDERS))
            return _view(repo.states(conn, user_id))

    # --- POST validate ------------------------------------------------------------------------------

    def validate(self, principal: Principal, req: ValidateRequest) -> tuple[ValidateResult, Decision]:
        """Test a key with one cheap provider call; 200 whether valid or not, 502/504 if unreachable.

        Without ``apiKey`` the caller's stored key is tested (and its status recorded), which needs a
        signed-in caller. Charged against the ``keys`` class, failing closed: this route is an oracle
        for guessing keys, so it must not run unmetered while DynamoDB is down.
        """
        from describe_it.limiting import charge
        from describe_it.runtime.limits import rules_for

        if req.api_key is None and principal.user_id is None:
            raise AuthRequired("Sign in to test your stored key, or send apiKey")
        rule = rules_for("keys", principal.tier)
        assert rule is not None
        decision = charge(principal.client_key, [rule], fail_open=False)

        provider = req.provider
        stored: bytes | None = None
        if req.api_key is not None:
            key = req.api_key
        else:
            assert principal.user_id is not None
            with transaction("app", principal.user_id) as conn:
                row = repo.sealed(conn, principal.user_id, provider)
            if row is None:
                message = f"No stored {NAMES[provider]} key; send apiKey to test one"
                raise ValidationFailed(message, details=[Detail("apiKey", message, "required")])
            stored = bytes(row["ciphertext"])
            key = self._cipher().decrypt(stored, row["key_id"], _context(principal.user_id, provider))

        if not well_formed(provider, key):
            result = ValidateResult(
                provider=provider,
                valid=False,
                status="invalid",
                message=f"Not a valid {NAMES[provider]} API key format",
            )
        else:
            result = self._probe(provider, key)
        if stored is not None and principal.user_id is not None:
            with transaction("app", principal.user_id) as conn:
                repo.record_validation(conn, principal.user_id, provider, result.status, stored)
        logger.info(
            "provider key checked",
            extra={"provider": provider, "key_status": result.status, "stored_key": stored is not None},
        )
        return result, decision

    def _probe(self, provider: Provider, key: str) -> ValidateResult:
        import httpx

        name = NAMES[provider]
        if provider == "anthropic":
            url = f"{self._settings.anthropic_base_url.rstrip('/')}/v1/models"
            headers = {"x-api-key": key, "anthropic-version": ANTHROPIC_VERSION}
            params = {"limit": "1"}
        else:
            url = f"{self._settings.unsplash_base_url.rstrip('/')}/photos"
            headers = {"Authorization": f"Client-ID {key}", "Accept-Version": "v1"}
            params = {"per_page": "1"}
        try:
            # trust_env=False: no proxy or netrc from the environment may see the key.
            with httpx.Client(
                timeout=self._settings.api_keys_validate_timeout_s, follow_redirects=False, trust_env=False
            ) as client:
                response = client.get(url, headers=headers, params=params)
        except httpx.TimeoutException as exc:
            logger.warning("provider key check timed out", extra={"provider": provider})
            raise UpstreamTimeout(f"{name} did not answer in time") from exc
        except httpx.HTTPError as exc:
            logger.warning("provider unreachable", extra={"provider": provider, "error": type(exc).__name__})
            raise UpstreamError(f"{name} could not be reached") from exc
        return _interpret(provider, response)


def _interpret(provider: Provider, response: httpx.Response) -> ValidateResult:
    name = NAMES[provider]
    rate_limit = _rate_limit(provider, response)
    code = response.status_code
    limited = rate_limit is not None and rate_limit.remaining == 0
    if code == 200:
        valid, message = True, f"The {name} key is valid"
    elif code == 429 or (code == 403 and provider == "unsplash" and limited):
        # The provider authenticated the key before refusing on volume: the key itself is good.
        valid, message = True, f"The {name} key is valid, but its rate limit is spent for now"
    elif code in (401, 403):
        valid, message = False, f"{name} rejected this key"
    else:
        logger.warning(
            "unexpected provider answer to a key check", extra={"provider": provider, "status": code}
        )
        raise UpstreamError(f"{name} answered with an unexpected status ({code})")
    status: KeyStatus = "valid" if valid else "invalid"
    return ValidateResult(
        provider=provider, valid=valid, status=status, message=message, rate_limit=rate_limit
    )


def _rate_limit(provider: Provider, response: httpx.Response) -> RateLimitInfo | None:
    if provider == "anthropic":
        limit = response.headers.get("anthropic-ratelimit-requests-limit")
        remaining = response.headers.get("anthropic-ratelimit-requests-remaining")
    else:
        limit = response.headers.get("x-ratelimit-limit")
        remaining = response.headers.get("x-ratelimit-remaining")
    if limit is None or remaining is None or not limit.isdigit() or not remaining.isdigit():
        return None
    return RateLimitInfo(limit=int(limit), remaining=int(remaining))


def _view(rows: list[repo.Row]) -> ApiKeysView:
    by_provider = {row["provider"]: row for row in rows}

    def state(provider: str) -> ProviderKeyState:
        row = by_provider.get(provider)
        if row is None:
            return ProviderKeyState(configured=False)
        return ProviderKeyState(
            configured=True,
            last4=row["last4"],
            status=row["status"],
            last_validated_at=row["last_validated_at"],
            updated_at=row["updated_at"],
        )

    return ApiKeysView(anthropic=state("anthropic"), unsplash=state("unsplash"))


def _user(principal: Principal) -> UUID:
    assert principal.user_id is not None, "these routes require authentication"
    return principal.user_id


def get_apikeys_service() -> ApiKeysService:
    return ApiKeysService(get_settings())


def resolve_user_key(user_id: UUID, provider: Provider) -> str | None:
    """The user's stored key for ``provider`` in clear, or None; for the AI and image routes (spec §2.4).

    Raises ``crypto.CipherError`` (a 500, logged with the key ids) if the stored blob cannot be opened
    with the configured master key: never a wrong key silently.
    """
    with transaction("app", user_id) as conn:
        row = repo.sealed(conn, user_id, provider)
    if row is None:
        return None
    return get_cipher().decrypt(bytes(row["ciphertext"]), row["key_id"], _context(user_id, provider))
