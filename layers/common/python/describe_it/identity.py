"""Who is calling: the principal every guard, rate limit and repository call is keyed by."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass
from typing import Literal
from uuid import UUID

Tier = Literal["guest", "free", "basic", "pro"]
Role = Literal["user", "admin"]


@dataclass(frozen=True)
class Principal:
    user_id: UUID | None
    tier: Tier
    role: Role
    session_id: UUID | None  # the refresh-token family (JWT ``sid``)
    client_key: str  # stable rate-limit key: "u:<uuid>" or "ip:<hmac>"

    @property
    def is_guest(self) -> bool:
        return self.user_id is None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class Client:
    """Where a request came from: its rate-limit key and what is stored with a refresh token."""

    ip: str | None
    user_agent: str | None
    key: str  # "ip:<hmac>"


def ip_key(ip: str | None, secret: str) -> str:
    """HMAC of the client IP; IPv6 addresses are grouped by their /64 (one household, one key)."""
    try:
        addr = ipaddress.ip_address(ip or "0.0.0.0")  # noqa: S104 - a placeholder value, not a bind address
    except ValueError:
        addr = ipaddress.ip_address("0.0.0.0")  # noqa: S104
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is None:
        text = str(ipaddress.ip_network(f"{addr}/64", strict=False).network_address)
    else:
        text = str(addr.ipv4_mapped or addr) if isinstance(addr, ipaddress.IPv6Address) else str(addr)
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()[:32]


def guest(ip: str | None, secret: str) -> Principal:
    return Principal(None, "guest", "user", None, f"ip:{ip_key(ip, secret)}")


def user(user_id: UUID, tier: Tier, role: Role, session_id: UUID | None) -> Principal:
    return Principal(user_id, tier, role, session_id, f"u:{user_id}")
