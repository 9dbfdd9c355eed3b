"""DynamoDB runtime state: rate limits, two-tier cache, idempotency, circuit breaker, revocations.

Everything lives in the one state table (partition key ``pk``, TTL attribute ``ttl``). TTL deletion
is lazy, so every reader here ignores items whose ``ttl`` has passed.
"""
