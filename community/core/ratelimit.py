"""A small fixed-window rate limiter on Django's cache (Redis when REDIS_URL is set).

    if not rate_limit_allow(f"signup:ip:{ip}", limit=5, window=3600): ...form error...

Counts survive across processes when the cache is shared (Redis); with the local-memory cache
each process counts on its own, which is fine for one Daphne process.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.http import HttpRequest


def _bucket_key(key: str, window: int) -> str:
    return f"ratelimit:{key}:{int(time.time() // window)}"


def rate_limit_allow(key: str, *, limit: int, window: int) -> bool:
    """Count one hit on `key`; False once more than `limit` hits fell in the current window."""
    bucket = _bucket_key(key, window)
    cache.add(bucket, 0, timeout=window + 1)
    try:
        hits = cache.incr(bucket)
    except ValueError:  # expired between add and incr
        cache.set(bucket, 1, timeout=window + 1)
        hits = 1
    return hits <= limit


def rate_limit_exceeded(key: str, *, limit: int, window: int) -> bool:
    """Whether `key` is over its limit, without counting a hit."""
    return (cache.get(_bucket_key(key, window)) or 0) >= limit


def client_ip(request: HttpRequest) -> str:
    # Behind a proxy, REMOTE_ADDR is the proxy; deployments set it from X-Forwarded-For there.
    return request.META.get("REMOTE_ADDR", "") or "unknown"
