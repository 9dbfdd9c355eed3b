"""The DynamoDB fixtures of the runtime tests (per-thread clients, a dead endpoint), for the auth tests."""

from tests.integration.runtime.conftest import dead_client, dynamodb, per_thread_clients

__all__ = ["dead_client", "dynamodb", "per_thread_clients"]
