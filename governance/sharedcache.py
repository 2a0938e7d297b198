"""Guarded calls to the shared cache (Redis in production): a circuit breaker per cache alias.

The cache holds optimisations and shared counters, never anything a request must wait for.
When a call fails (Redis down, hung, or refusing connections), the breaker of that cache opens:
one warning line is logged, the caller gets UNAVAILABLE and takes its own fallback, and for the
next RETRY_SECONDS every caller in this process skips the cache at once (no socket timeout per
call). After that one call tries the cache again; if it works, everything is back to normal.

    from governance.sharedcache import UNAVAILABLE, cache_breaker

    version = cache_breaker().call(cache.get, key, what="calendar version check")
    if version is UNAVAILABLE:
        ...  # the fallback: this process's own copy, an in-memory counter, or nothing
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

__all__ = ["RETRY_SECONDS", "UNAVAILABLE", "CacheBreaker", "cache_breaker"]

logger = logging.getLogger(__name__)

# How long a failed cache is left alone before it is tried again.
RETRY_SECONDS = 30


class _Unavailable:
    def __repr__(self) -> str:
        return "UNAVAILABLE"


# What a guarded call returns when the cache failed or is being skipped.
UNAVAILABLE: Any = _Unavailable()


class CacheBreaker:
    """The circuit breaker of one cache alias in this process."""

    def __init__(self, alias: str = "default", retry_seconds: float = RETRY_SECONDS):
        self.alias = alias
        self.retry_seconds = retry_seconds
        self._down_until = 0.0

    @property
    def is_open(self) -> bool:
        """Whether the cache is being skipped now (it failed less than retry_seconds ago)."""
        return time.monotonic() < self._down_until

    def call(self, function: Callable[..., Any], *args, what: str = "cache call", **kwargs):
        """`function(*args, **kwargs)`, or UNAVAILABLE when the cache is being skipped or the
        call fails. A failure opens the breaker and logs one warning naming `what`."""
        if self.is_open:
            return UNAVAILABLE
        try:
            return function(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - redis-py and others raise their own types
            self._down_until = time.monotonic() + self.retry_seconds
            logger.warning(
                "%s skipped, the cache %r failed (left alone for %d s): %s",
                what,
                self.alias,
                self.retry_seconds,
                error,
            )
            return UNAVAILABLE

    def reset(self) -> None:
        """Close the breaker: the next call tries the cache again."""
        self._down_until = 0.0


_breakers: dict[str, CacheBreaker] = {}
_lock = threading.Lock()


def cache_breaker(alias: str = "default") -> CacheBreaker:
    """The breaker of the cache `alias` in this process (one per alias, shared by every
    caller: once the calendar found Redis down, the rate limits skip it too, and back)."""
    breaker = _breakers.get(alias)
    if breaker is None:
        with _lock:
            breaker = _breakers.setdefault(alias, CacheBreaker(alias))
    return breaker
