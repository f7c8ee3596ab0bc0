"""Brute force on the password logins (the members' and the admin's): one rule for both forms.

Failures are counted in Django's cache (Redis when REDIS_URL is set: every process and every
restart sees the same counts; with the in-memory default, one process counts on its own):

- per account and address: LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS failures on one account from
  one address lock that account for that address, the right password included;
- per account: LOGIN_FAILURES_PER_ACCOUNT failures on one account from anywhere (a guesser with
  many addresses) lock the account everywhere.

An address as such is never locked: a coworking space shares one public address, and one
member's failures (or a guesser's among them) must not keep the others out. A lock lasts
LOGIN_LOCKOUT_SECONDS from the failure that set it. Counts cover the current and the previous
window, so no burst of failures straddling a window's edge escapes them.

The lock's end is stored as a timestamp and read against this process's clock: the cache's own
expiry (Redis's clock) only throws away old entries, so frozen time in tests moves locks too.
"""

from __future__ import annotations

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def account_and_address_limit() -> int:
    return _limit("LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS", 5)


def account_limit() -> int:
    return _limit("LOGIN_FAILURES_PER_ACCOUNT", 20)


def lockout_seconds() -> int:
    return _limit("LOGIN_LOCKOUT_SECONDS", 15 * 60)


def _digest(*parts: str) -> str:
    # Usernames as typed may hold spaces or anything else: a hash is a safe cache key of fixed length.
    return hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _scopes(username: str, address: str) -> list[tuple[str, int]]:
    """(cache key stem, failure limit) of each lock that applies to this attempt."""
    account = username.strip().casefold()
    return [
        (f"login:pair:{_digest(account, address)}", account_and_address_limit()),
        (f"login:account:{_digest(account)}", account_limit()),
    ]


def _window() -> int:
    return lockout_seconds()


def _bucket(stem: str, now: float, offset: int = 0) -> str:
    return f"{stem}:n:{int(now // _window()) - offset}"


def lockout_remaining(*, username: str, address: str) -> int:
    """Seconds until this account may try again from this address (0: it may try now)."""
    now = time.time()
    locks = cache.get_many([f"{stem}:until" for stem, _limit in _scopes(username, address)])
    until = max((float(value) for value in locks.values()), default=0.0)
    return max(0, math.ceil(until - now))


def login_failed(*, username: str, address: str) -> None:
    """Count a wrong password (or unknown account) for `username` tried from `address`."""
    now = time.time()
    window = _window()
    for stem, limit in _scopes(username, address):
        current = _bucket(stem, now)
        cache.add(current, 0, timeout=2 * window + 60)
        try:
            hits = cache.incr(current)
        except ValueError:  # expired between add and incr
            cache.set(current, 1, timeout=2 * window + 60)
            hits = 1
        hits += cache.get(_bucket(stem, now, offset=1)) or 0
        if hits >= limit:
            cache.set(f"{stem}:until", now + lockout_seconds(), timeout=lockout_seconds() + 60)


def login_succeeded(*, username: str, address: str) -> None:
    """The right password from this address: its earlier slips there are forgiven (not the
    account's failures from elsewhere)."""
    now = time.time()
    stem, _limit = _scopes(username, address)[0]
    cache.delete_many([_bucket(stem, now), _bucket(stem, now, offset=1)])
