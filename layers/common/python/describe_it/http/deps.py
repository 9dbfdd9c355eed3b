"""FastAPI dependencies for what the guards already established about the request."""

from __future__ import annotations

from starlette.requests import Request

from describe_it.identity import Client, Principal


def principal(request: Request) -> Principal:
    """The caller, as authenticated by ``ApiRoute`` (a guest principal on optional-auth routes)."""
    return request.state.principal  # type: ignore[no-any-return]


def client_of(request: Request) -> Client:
    who: Principal = request.state.principal
    ip = request.client.host if request.client else None
    if who.is_guest:
        key = who.client_key
    else:
        from describe_it.identity import ip_key
        from describe_it.settings import get_settings

        key = f"ip:{ip_key(ip, get_settings().ip_hash_secret.get_secret_value())}"
    return Client(ip=ip, user_agent=request.headers.get("user-agent"), key=key)
